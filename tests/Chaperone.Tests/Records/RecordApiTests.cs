using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Calls;
using Chaperone.Tests.Infrastructure;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using UglyToad.PdfPig;

namespace Chaperone.Tests.Records;

/// <summary>
/// Clause 11 as a client reads it: a call run through the hub leaves a session record and a row in
/// the record of intervention, as JSON, CSV and PDF, to those who may read them.
/// </summary>
public abstract class RecordApiTests(ChaperoneApp app)
{
    private const string Notes = "Toby read aloud; next time, fractions.";

    /// <summary>A school with one call run from start to end (see <see cref="CallClient.RunCallAsync"/>).</summary>
    private async Task<(TestSchool School, Guid SessionId, DateTimeOffset Start)> RunCallAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var (id, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        return (school, id, start);
    }

    private static string Day(DateTimeOffset t) => t.ToString("dddd d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-GB"));

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheSessionRecordHoldsConsentExpectationsChecksAttendanceOutcomeAndExitOrder()
    {
        var (school, id, start) = await RunCallAsync();
        var teacher = await school.TeacherAsync(app);

        var record = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);

        var consent = record.GetProperty("consent");
        Assert.Equal("Mia Mother", consent.GetProperty("guardianName").GetString());
        Assert.True(consent.GetProperty("parentalResponsibility").GetBoolean());
        Assert.Equal(start.AddMinutes(-3), consent.GetProperty("givenAt").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(-2), consent.GetProperty("confirmedAt").GetDateTimeOffset());
        Assert.StartsWith("I, Mia Mother, have parental responsibility for Toby Twoparents.", consent.GetProperty("text").GetString());
        Assert.Equal("full", record.GetProperty("expectations").GetProperty("version").GetString());
        Assert.Equal(start.AddMinutes(1), record.GetProperty("expectations").GetProperty("givenAt").GetDateTimeOffset());
        var checks = record.GetProperty("checklists").EnumerateArray().Select(c => c.GetProperty("what").GetString()).ToList();
        Assert.Equal(["family-declaration", "room-checked", "dress-checked"], checks);

        var attendance = record.GetProperty("attendance").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        var teacherStay = Assert.Single(attendance.Single(p => p.Value.GetProperty("role").GetString() == "teacher").Value.GetProperty("stays").EnumerateArray());
        Assert.Equal(start.AddMinutes(-5), teacherStay.GetProperty("joined").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(21), teacherStay.GetProperty("left").GetDateTimeOffset());
        var motherStay = Assert.Single(attendance["Mia Mother"].GetProperty("stays").EnumerateArray());
        Assert.Equal("guardian", attendance["Mia Mother"].GetProperty("role").GetString());
        Assert.Equal(start.AddMinutes(-5), motherStay.GetProperty("joined").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(20), motherStay.GetProperty("left").GetDateTimeOffset());

        Assert.Equal("completed", record.GetProperty("outcome").GetString());
        Assert.Equal(Notes, record.GetProperty("notes").GetString());
        Assert.Equal(20, record.GetProperty("ranMinutes").GetInt32());
        var exits = record.GetProperty("exitOrder").EnumerateArray().Select(e => (e.GetProperty("what").GetString(), e.GetProperty("at").GetDateTimeOffset())).ToList();
        Assert.Equal([("family-left", start.AddMinutes(20)), ("family-part-ended", start.AddMinutes(20)), ("closed", start.AddMinutes(21))], exits);
        Assert.Equal(JsonValueKind.Array, record.GetProperty("recordings").ValueKind);
        Assert.Empty(record.GetProperty("controls").EnumerateArray());
    }

    [Fact]
    public async Task TheSessionRecordHoldsTheTeachersControlsLapsesAndMutesWithWhoAndWhen()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start)));
        await CallClient.RunCallAsync(app, school, id, start, "completed", Notes, duringCall: async teacher =>
        {
            app.Clock.SetUtcNow(start.AddMinutes(5));
            await teacher.Ok("Lapse", true);
            app.Clock.SetUtcNow(start.AddMinutes(6));
            await teacher.Ok("Lapse", false);
            app.Clock.SetUtcNow(start.AddMinutes(7));
            await teacher.Ok("Mute", school.Mother.ToString(), true);
        });

        var record = await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);

        var controls = record.GetProperty("controls").EnumerateArray()
            .Select(c => (c.GetProperty("what").GetString(), c.GetProperty("who").GetString(), c.GetProperty("at").GetDateTimeOffset())).ToList();
        Assert.Equal([("supervision-lapse", "", start.AddMinutes(5)), ("supervision-resumed", "", start.AddMinutes(6)), ("muted", "Mia Mother", start.AddMinutes(7))], controls);
        // The lapse is also clause 1's evidence.
        var consent = (await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 1);
        Assert.Equal("breached", consent.GetProperty("status").GetString());
    }

    [Fact]
    public async Task InASmallGroupEachFamilyConsentsForItsOwnChildAndEachChildsRecordNamesTheirParent()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.GroupBooking(start)));
        var links = app.Services.GetRequiredService<Chaperone.Families.FamilyLinks>();
        var (mia, sam) = (links.TokenFor(id, school.Mother), links.TokenFor(id, school.SharedParent));

        // Each family's page offers only their own child.
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        var page = await (await Api.AnonymousClient(app).GetAsync($"/family/{mia}/call")).Content.ReadAsStringAsync();
        Assert.Contains("Toby Twoparents is here", page);
        Assert.DoesNotContain("Ava Sibling", page);
        Assert.Contains("other families join with their own children", page);

        var everything = Chaperone.Families.FamilyChecklist.Items.Select(i => i.Key).ToArray();
        var teacherClient = await school.TeacherAsync(app);
        await using (var teacher = await CallClient.ConnectAsync(app, CallClient.Bearer(teacherClient)))
        {
            await teacher.Ok("Host", id.ToString());
            await using var miaDevice = await CallClient.ConnectAsync(app);
            await using var samDevice = await CallClient.ConnectAsync(app);
            await miaDevice.Ok("JoinFamily", mia);
            await samDevice.Ok("JoinFamily", sam);
            var notHers = await miaDevice.Call("Declare", new[] { school.TwoParentPupil.ToString(), school.SiblingA.ToString() }, true, everything);
            Assert.False(notHers.Ok);
            Assert.Contains("Ava Sibling must join with their own parent or carer", notHers.Message);
            await miaDevice.Ok("Declare", new[] { school.TwoParentPupil.ToString() }, true, everything);
            await samDevice.Ok("Declare", new[] { school.SiblingA.ToString() }, true, everything);
            await teacher.Ok("Admit", school.Mother.ToString());
            await teacher.Ok("Admit", school.SharedParent.ToString());
            app.Clock.SetUtcNow(start.AddMinutes(-3));
            await miaDevice.Ok("GiveConsent");
            await teacher.Ok("ConfirmConsent", school.Mother.ToString());
            await teacher.Ok("ConfirmRoom");
            await teacher.Ok("ConfirmDress");

            // Mia's consent is for Toby only: Ava's parent must give theirs, and the teacher confirm it.
            Assert.Contains("A parent with parental responsibility for Ava Sibling must give consent.", (await teacher.Call("Start")).Message);
            app.Clock.SetUtcNow(start.AddMinutes(-2));
            await samDevice.Ok("GiveConsent");
            Assert.Contains("The teacher must confirm Sam Parent's consent.", (await teacher.Call("Start")).Message);
            await teacher.Ok("ConfirmConsent", school.SharedParent.ToString());
            app.Clock.SetUtcNow(start);
            await teacher.Ok("Start");
            app.Clock.SetUtcNow(start.AddMinutes(1));
            await teacher.Ok("ConfirmExpectations");
            app.Clock.SetUtcNow(start.AddMinutes(20));
            await teacher.Ok("EndFamilyPart");
            await teacher.Ok("Close");
        }
        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 3);

        var record = await Api.JsonAsync(await teacherClient.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        var consents = record.GetProperty("consents").EnumerateArray().ToDictionary(c => c.GetProperty("guardianName").GetString()!);
        Assert.Equal(["Mia Mother", "Sam Parent"], consents.Keys.Order());
        Assert.StartsWith("I, Mia Mother, have parental responsibility for Toby Twoparents.", consents["Mia Mother"].GetProperty("text").GetString());
        Assert.StartsWith("I, Sam Parent, have parental responsibility for Ava Sibling.", consents["Sam Parent"].GetProperty("text").GetString());
        Assert.Equal([school.SiblingA.ToString()], consents["Sam Parent"].GetProperty("pupilIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(start.AddMinutes(-2), consents["Sam Parent"].GetProperty("givenAt").GetDateTimeOffset());
        Assert.Equal("Mia Mother", record.GetProperty("consent").GetProperty("guardianName").GetString());
        var evidence = await app.WithDbAsync(db => db.Evidence.AsNoTracking().Where(e => e.SessionId == id && e.Stage == CallEvidence.Stage).ToListAsync());
        var consentItem = evidence.SelectMany(e => e.Items).Single(i => i.Rule == "consent");
        Assert.True(consentItem.Passed, consentItem.Text);
        Assert.Contains("Sam Parent (Mother, parental responsibility) for Ava Sibling", consentItem.Text);

        // Each child's record of intervention names their own parent's consent.
        var range = $"from={Iso(start)}&to={Iso(start)}";
        foreach (var (pupil, parent) in new[] { (school.TwoParentPupil, "Mia Mother"), (school.SiblingA, "Sam Parent") })
        {
            var rows = await Api.JsonAsync(await teacherClient.GetAsync($"/api/v1/pupils/{pupil}/record-of-intervention?{range}"), HttpStatusCode.OK);
            Assert.StartsWith($"Given by {parent} ", Assert.Single(rows.GetProperty("rows").EnumerateArray()).GetProperty("consent").GetString());
        }

        // Ava's subject access export holds the session as it concerns her: not Toby, nor his mother's consent, attendance or emails.
        var export = await Api.JsonAsync(await (await school.DslAsync(app)).GetAsync($"/api/v1/pupils/{school.SiblingA}/subject-access"), HttpStatusCode.OK);
        var hers = Assert.Single(export.GetProperty("sessions").EnumerateArray());
        static string[] Names(JsonElement list, string property) => [.. list.EnumerateArray().Select(e => e.GetProperty(property).GetString()!)];
        Assert.Equal(["Ava Sibling"], Names(hers.GetProperty("session").GetProperty("pupils"), "name"));
        Assert.Equal(["Sam Parent"], Names(hers.GetProperty("session").GetProperty("guardians"), "name"));
        Assert.Equal(["Sam Parent"], Names(hers.GetProperty("consents"), "guardianName"));
        Assert.Equal("Sam Parent", hers.GetProperty("consent").GetProperty("guardianName").GetString());
        Assert.DoesNotContain("Mia Mother", Names(hers.GetProperty("attendance"), "name"));
        Assert.Contains("Sam Parent", Names(hers.GetProperty("attendance"), "name"));
        Assert.DoesNotContain("Mia Mother", Names(hers.GetProperty("checklists"), "who"));
        var recipients = Names(export.GetProperty("emails"), "recipientName");
        Assert.Contains("Sam Parent", recipients);
        Assert.DoesNotContain("Mia Mother", recipients);
    }

    [Fact]
    public async Task ThePupilsCsvAndPdfHoldTheSessionsFactsInTheSchoolsZone()
    {
        var (school, id, start) = await RunCallAsync();
        var teacher = await school.TeacherAsync(app);
        var range = $"from={Iso(start)}&to={Iso(start)}";
        var expected = new Dictionary<string, string>
        {
            ["Date"] = Day(start),
            ["Time"] = "10:00–10:30",
            ["Duration (minutes)"] = "20",
            ["Pupil"] = "Toby Twoparents",
            ["Pupil id"] = school.TwoParentPupil.ToString(),
            ["Status"] = "Ended",
            ["Attended (joined and left)"] = $"{TeacherName(school)} (teacher) joined 09:55, left 10:21; Mia Mother (parent or carer) joined 09:55, left 10:20",
            ["Consent"] = "Given by Mia Mother (Mother, parental responsibility) at 09:57, on their own device in the call; confirmed by the teacher at 09:58",
            ["Expectations given"] = "Full expectations (first session with this teacher) at 10:01",
            ["Outcome"] = "Completed",
            ["Notes"] = Notes,
            ["Session id"] = id.ToString(),
            ["Concerns raised"] = "",
            ["Family said they could not come"] = "",
        };

        var csvResponse = await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{range}&format=csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        Assert.Contains("record-of-intervention-toby-twoparents", csvResponse.Content.Headers.ContentDisposition?.FileName ?? "");
        var rows = ReadCsv(await csvResponse.Content.ReadAsByteArrayAsync());
        var row = Assert.Single(rows);
        foreach (var (column, value) in expected)
        {
            Assert.Equal(value, row[column]);
        }

        var pdfResponse = await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{range}&format=pdf");
        Assert.Equal(HttpStatusCode.OK, pdfResponse.StatusCode);
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType?.MediaType);
        var text = PdfText(await pdfResponse.Content.ReadAsByteArrayAsync());
        Assert.Contains("record of intervention", text);
        foreach (var value in expected.Where(e => e.Key != "Session id").Select(e => e.Value).Append(SchoolName(school)))
        {
            // Long values wrap onto several lines: every word is there, in order.
            Assert.True(ContainsInOrder(text, value), $"The PDF lacks \"{value}\". It reads: {text}");
        }
    }

    [Fact]
    public async Task TheSchoolWordsItsOwnExpectationsWhichTheCallGivesAndTheRecordKeeps()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        const string Ours = "Hello! Your grown-up stays with you, we talk about your reading, and you leave first.";
        Task<HttpResponseMessage> SetAsync(object body) => admin.PutAsJsonAsync("/api/v1/policy/settings", body);

        Assert.Equal(["expectationsFull"], await Api.BadRequestFieldsAsync(await SetAsync(new { expectationsFull = new string('x', 2001) })));
        Assert.Equal(["expectationsBrief"], await Api.BadRequestFieldsAsync(await SetAsync(new { expectationsBrief = "Bell\u0007" })));
        var set = await Api.JsonAsync(await SetAsync(new { expectationsFull = "  " + Ours + " " }), HttpStatusCode.OK);
        Assert.Equal(Ours, set.GetProperty("expectations").GetProperty("full").GetString());
        Assert.Equal(Chaperone.Policy.PolicySettings.DefaultExpectationsBrief, set.GetProperty("expectations").GetProperty("brief").GetString());
        Assert.True(set.GetProperty("expectations").GetProperty("schoolsOwn").GetBoolean());

        // A first session with the teacher: the console gives the school's full words, and the record keeps them.
        var (sessionId, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Read together.");
        var record = await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{sessionId}/record"), HttpStatusCode.OK);
        Assert.Equal(("full", Ours), (record.GetProperty("expectations").GetProperty("version").GetString(), record.GetProperty("expectations").GetProperty("text").GetString()));

        // Empty puts the policy's words back.
        var back = await Api.JsonAsync(await (await school.AdminAsync(app)).PutAsJsonAsync("/api/v1/policy/settings", new { expectationsFull = "" }), HttpStatusCode.OK);
        Assert.Equal(Chaperone.Policy.PolicySettings.DefaultExpectationsFull, back.GetProperty("expectations").GetProperty("full").GetString());
        Assert.False(back.GetProperty("expectations").GetProperty("schoolsOwn").GetBoolean());
    }

    [Fact]
    public async Task AConcernRaisedAboutTheSessionShowsOnlyItsReferenceInTheCsvAndPdf()
    {
        var (school, id, start) = await RunCallAsync();
        var teacher = await school.TeacherAsync(app);
        var onSession = new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() },
            sessionId = id.ToString(),
            kind = "safeguarding",
            summary = "Bruise on the arm SUMMARY-MARK",
            detail = "A bruise on the forearm. DETAIL-MARK",
            childsOwnWords = "WORDS-MARK",
        };
        var raised = await Concerns.ConcernTestSupport.RaiseAsync(teacher, onSession);
        var second = await Concerns.ConcernTestSupport.RaiseAsync(teacher, onSession with { summary = "Second SUMMARY-MARK" });
        // Not about this session: not in its row.
        await Concerns.ConcernTestSupport.RaiseAsync(teacher, Concerns.ConcernTestSupport.Safeguarding(school));
        // A draft about the session is not a raised concern.
        await app.WithDbAsync(db =>
        {
            var draft = new Chaperone.Concerns.Concern
            {
                SchoolId = school.SchoolId, Number = 900, Kind = Chaperone.Concerns.ConcernKind.Safeguarding, Status = Chaperone.Concerns.ConcernStatus.Draft,
                RaisedById = school.TeacherId, RaisedByName = TeacherName(school), CreatedAt = start, Summary = "Draft SUMMARY-MARK", SessionId = id,
            };
            draft.Pupils.Add(new Chaperone.Concerns.ConcernPupil { SchoolId = school.SchoolId, ConcernId = draft.Id, PupilId = school.TwoParentPupil });
            db.Add(draft);
            return db.SaveChangesAsync();
        });
        var references = $"{raised.GetProperty("reference").GetString()}; {second.GetProperty("reference").GetString()}";
        var range = $"from={Iso(start)}&to={Iso(start)}";

        var csv = await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{range}&format=csv");
        var pdf = await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{range}&format=pdf");
        var json = await Api.JsonAsync(await (await school.AdminAsync(app)).GetAsync($"/api/v1/record-of-intervention?{range}"), HttpStatusCode.OK);

        Assert.Matches("^C-[0-9]{4}; C-[0-9]{4}$", references);
        var csvBytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(references, Assert.Single(ReadCsv(csvBytes))["Concerns raised"]);
        var pdfText = PdfText(await pdf.Content.ReadAsByteArrayAsync());
        Assert.True(ContainsInOrder(pdfText, "Concerns raised " + references), pdfText);
        // An admin (who may read no concern) sees the references too: a reference reveals nothing.
        Assert.Equal(references, Assert.Single(json.GetProperty("rows").EnumerateArray()).GetProperty("concernsRaised").GetString());
        foreach (var text in new[] { System.Text.Encoding.UTF8.GetString(csvBytes), pdfText, json.ToString() })
        {
            Assert.DoesNotContain("MARK", text, StringComparison.Ordinal);
            Assert.DoesNotContain("C-0900", text, StringComparison.Ordinal);
            Assert.DoesNotContain("afeguarding", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheSessionRecordPageLinksTheConcernsRaisedAboutItAndDatesAnOutcomeRecordedOnALaterDay()
    {
        var (school, id, _) = await RunCallAsync();
        var teacher = await school.TeacherAsync(app);
        var raised = await Concerns.ConcernTestSupport.RaiseAsync(teacher, new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, sessionId = id.ToString(), kind = "safeguarding",
            summary = "Bruise on the arm SUMMARY-MARK", detail = "A bruise on the forearm.",
        });
        var (reference, concernId) = (raised.GetProperty("reference").GetString()!, raised.GetProperty("id").GetString()!);
        var (_, slt) = await Concerns.ConcernTestSupport.LeadersAsync(app, school);

        // Its raiser opens it from the record; a senior leader, who does not read safeguarding concerns, sees that it was raised.
        var page = System.Net.WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}/record"));
        Assert.Contains($"<a href=\"/concerns/{concernId}\">{reference}</a>", page, StringComparison.Ordinal);
        Assert.Contains($"Completed, recorded at ", page, StringComparison.Ordinal);
        var leaders = System.Net.WebUtility.HtmlDecode(await slt.GetStringAsync($"/sessions/{id}/record"));
        Assert.Matches($"Raised about this session:\\s*{reference}\\.", leaders);
        Assert.DoesNotContain($"/concerns/{concernId}", leaders, StringComparison.Ordinal);
        Assert.DoesNotContain("SUMMARY-MARK", leaders + page, StringComparison.Ordinal);

        // The teacher corrects the outcome the next day: the record says which day, not just a time that reads as the call's.
        app.Clock.Advance(TimeSpan.FromDays(1));
        teacher = await school.TeacherAsync(app);
        (await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome", new { outcome = "completed", notes = Notes + " Corrected." })).EnsureSuccessStatusCode();
        var corrected = System.Net.WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}/record"));
        Assert.Contains($"Completed, recorded {Chaperone.Pages.Display.OnDayAt(app.Clock.GetUtcNow(), Api.London)}.", corrected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRecordOfInterventionPagesLinkAConcernRaisedForThoseWhoMayReadItAndShowOthersItsReference()
    {
        var (school, id, start) = await RunCallAsync();
        var teacher = await school.TeacherAsync(app);
        var raised = await Concerns.ConcernTestSupport.RaiseAsync(teacher, new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, sessionId = id.ToString(), kind = "safeguarding",
            summary = "Bruise on the arm SUMMARY-MARK", detail = "A bruise on the forearm.",
        });
        var (reference, concernId) = (raised.GetProperty("reference").GetString()!, raised.GetProperty("id").GetString()!);
        var (dsl, slt) = await Concerns.ConcernTestSupport.LeadersAsync(app, school);
        var range = $"from={Iso(start)}&to={Iso(start)}";
        var link = $"<a href=\"/concerns/{concernId}\">{reference}</a>";

        // The DSL reads every safeguarding concern; the teacher raised this one: each opens it from the record.
        foreach (var (reader, path) in new[] { (dsl, $"/record-of-intervention?{range}"), (dsl, $"/pupils/{school.TwoParentPupil}/record-of-intervention?{range}"), (teacher, $"/pupils/{school.TwoParentPupil}/record-of-intervention?{range}") })
        {
            var page = System.Net.WebUtility.HtmlDecode(await reader.GetStringAsync(path));
            Assert.Contains(link, page, StringComparison.Ordinal);
        }
        // A senior leader (who reads behaviour concerns, not safeguarding ones) and an admin see only the reference.
        foreach (var (reader, path) in new[] { (slt, $"/record-of-intervention?{range}"), (await school.AdminAsync(app), $"/record-of-intervention?{range}") })
        {
            var page = System.Net.WebUtility.HtmlDecode(await reader.GetStringAsync(path));
            Assert.Matches($"data-concerns-raised>\\s*{reference}\\s*</td>", page);
            Assert.DoesNotContain($"/concerns/{concernId}", page, StringComparison.Ordinal);
            Assert.DoesNotContain("SUMMARY-MARK", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheRangeSelectsSessionsByTheirDayInTheSchoolsZone()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var first = CallClient.NextSessionStart(app);
        var second = first.AddDays(7);
        var firstId = await TestSchool.BookOkAsync(teacher, school.Booking(first));
        var secondId = await TestSchool.BookOkAsync(teacher, school.Booking(second));

        async Task<List<string>> SessionsAsync(string query) =>
            (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{query}"), HttpStatusCode.OK))
                .GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("sessionId").GetString()!).ToList();

        Assert.Equal([firstId], await SessionsAsync($"from={Iso(first)}&to={Iso(first)}"));
        Assert.Equal([secondId], await SessionsAsync($"from={Iso(first.AddDays(1))}&to={Iso(second)}"));
        Assert.Equal([firstId, secondId], await SessionsAsync($"from={Iso(first)}&to={Iso(second)}"));
        Assert.Empty(await SessionsAsync($"from={Iso(second.AddDays(1))}&to={Iso(second.AddDays(30))}"));
    }

    [Fact]
    public async Task ThePdfRunsOverPagesEachHeadedWithTheSchoolPupilAndRange()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var first = CallClient.NextSessionStart(app);
        for (var week = 0; week < 6; week++)
        {
            await TestSchool.BookOkAsync(teacher, school.Booking(first.AddDays(7 * week)));
        }

        var response = await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?from={Iso(first)}&to={Iso(first.AddDays(35))}&format=pdf");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync());
        var pages = pdf.GetPages().ToList();
        Assert.True(pages.Count >= 2, $"{pages.Count} page(s)");
        foreach (var (page, n) in pages.Select((p, i) => (p, i + 1)))
        {
            Assert.True(page.Width > page.Height, "A4 landscape");
            var text = string.Join(" ", page.GetWords().Select(w => w.Text));
            Assert.True(ContainsInOrder(text, SchoolName(school)), text);
            Assert.True(ContainsInOrder(text, $"Toby Twoparents. {Day(first)} to {Day(first.AddDays(35))}"), text);
            Assert.True(ContainsInOrder(text, $"Page {n} of {pages.Count}"), text);
        }
        var all = string.Join(" ", pages.SelectMany(p => p.GetWords()).Select(w => w.Text));
        for (var week = 0; week < 6; week++)
        {
            Assert.True(ContainsInOrder(all, Day(first.AddDays(7 * week))), $"Week {week} is missing.");
        }
    }

    [Theory]
    [InlineData("from=yesterday&to=2026-12-31", "from")]
    [InlineData("from=2026-12-01&to=31/12/2026", "to")]
    [InlineData("from=2026-12-31&to=2026-12-01", "from")]
    [InlineData("from=2020-01-01&to=2026-12-01", "to")]
    [InlineData("from=2026-12-01&to=2026-12-31&format=xlsx", "format")]
    public async Task ABadRangeOrFormatIsNamedFieldByField(string query, string field)
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);

        Assert.Equal([field], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{query}")));
        Assert.Equal([field], await Api.BadRequestFieldsAsync(await slt.GetAsync($"/api/v1/record-of-intervention?{query}")));
    }

    [Theory]
    [InlineData("from=9999-12-31&to=9999-12-31")]
    [InlineData("from=9999-12-30&to=9999-12-31")]
    [InlineData("from=0001-01-01&to=0001-01-01")]
    [InlineData("from=-9998-01-01&to=-9998-01-01")]
    public async Task DatesAtTheEndsOfTheCalendarAreNamedNotA500(string query)
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);

        foreach (var url in new[] { $"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{query}", $"/api/v1/record-of-intervention?{query}&format=csv" })
        {
            var fields = await Api.BadRequestFieldsAsync(await slt.GetAsync(url));
            Assert.NotEmpty(fields);
            Assert.All(fields, f => Assert.Contains(f, new[] { "from", "to" }));
        }
        Assert.Equal(HttpStatusCode.OK, (await slt.GetAsync($"/record-of-intervention?{query}")).StatusCode);
    }

    [Fact]
    public async Task APupilsRecordLeadsALeaderBackToTheSchoolsRecordOverTheSameDatesAndATeacherToTheirSessions()
    {
        var school = await TestSchool.CreateAsync(app);
        const string range = "from=2026-09-01&to=2026-12-18";
        var leaders = System.Net.WebUtility.HtmlDecode(await (await school.SltAsync(app)).GetStringAsync($"/pupils/{school.TwoParentPupil}/record-of-intervention?{range}"));
        Assert.Contains($"<a href=\"/record-of-intervention?{range}\">Back to the school's record of intervention</a>", leaders, StringComparison.Ordinal);
        Assert.DoesNotContain("Back to sessions", leaders, StringComparison.Ordinal);

        var teachers = System.Net.WebUtility.HtmlDecode(await (await school.TeacherAsync(app)).GetStringAsync($"/pupils/{school.TwoParentPupil}/record-of-intervention?{range}"));
        Assert.Contains("<a href=\"/sessions\">Back to sessions</a>", teachers, StringComparison.Ordinal);
        Assert.DoesNotContain("school's record of intervention", teachers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherSchoolsPupilAndSessionAreNotFound()
    {
        var (other, otherSession, _) = await RunCallAsync();
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);

        await Api.ProblemAsync(await slt.GetAsync($"/api/v1/pupils/{other.TwoParentPupil}/record-of-intervention"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await slt.GetAsync($"/api/v1/pupils/{other.TwoParentPupil}/record-of-intervention?format=csv"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await slt.GetAsync($"/api/v1/pupils/not-an-id/record-of-intervention"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await slt.GetAsync($"/api/v1/sessions/{otherSession}/record"), HttpStatusCode.NotFound);
        var schoolWide = await Api.JsonAsync(await slt.GetAsync("/api/v1/record-of-intervention?from=2026-01-01&to=2027-12-31"), HttpStatusCode.OK);
        Assert.Empty(schoolWide.GetProperty("rows").EnumerateArray());
    }

    [Fact]
    public async Task TheHostSltAndDslReadTheSessionRecordAndAdminsExportTheRecordOfIntervention()
    {
        var (school, id, start) = await RunCallAsync();
        var range = $"from={Iso(start)}&to={Iso(start)}";

        async Task<HttpStatusCode> Status(Task<HttpClient> who, string url) => (await (await who).GetAsync(url)).StatusCode;
        async Task<int> Rows(Task<HttpClient> who, string url) =>
            (await Api.JsonAsync(await (await who).GetAsync(url), HttpStatusCode.OK)).GetProperty("rows").GetArrayLength();

        var record = $"/api/v1/sessions/{id}/record";
        Assert.Equal(HttpStatusCode.OK, await Status(school.TeacherAsync(app), record));
        Assert.Equal(HttpStatusCode.OK, await Status(school.SltAsync(app), record));
        Assert.Equal(HttpStatusCode.OK, await Status(school.DslAsync(app), record));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(school.OtherTeacherAsync(app), record));
        Assert.Equal(HttpStatusCode.Forbidden, await Status(school.AdminAsync(app), record));

        var pupil = $"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?{range}";
        Assert.Equal(1, await Rows(school.TeacherAsync(app), pupil));
        Assert.Equal(1, await Rows(school.SltAsync(app), pupil));
        Assert.Equal(1, await Rows(school.DslAsync(app), pupil));
        Assert.Equal(1, await Rows(school.AdminAsync(app), pupil));
        Assert.Equal(0, await Rows(school.OtherTeacherAsync(app), pupil));

        var schoolWide = $"/api/v1/record-of-intervention?{range}";
        Assert.Equal(1, await Rows(school.AdminAsync(app), schoolWide));
        Assert.Equal(1, await Rows(school.SltAsync(app), schoolWide));
        Assert.Equal(1, await Rows(school.DslAsync(app), schoolWide));
        await Api.ProblemAsync(await (await school.TeacherAsync(app)).GetAsync(schoolWide), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnonymousClient(app).GetAsync(schoolWide)).StatusCode);
    }

    /// <summary>The test school's tag (in every address: teacher.{tag}@school.test) names its school and staff.</summary>
    private static string Tag(TestSchool school) => school.TeacherEmail.Split('.')[1].Split('@')[0];

    internal static string TeacherName(TestSchool school) => "teacher " + Tag(school);

    internal static string SchoolName(TestSchool school) => "Test school " + Tag(school);

    /// <summary>The CSV's header names, as the README promises them to the MIS.</summary>
    internal static readonly string[] Headers =
    [
        "Date", "Time", "Duration (minutes)", "Pupil", "Pupil id", "Teacher", "Kind", "Status", "Attended (joined and left)",
        "Consent", "Expectations given", "Outcome", "Notes", "Session id", "Concerns raised", "Family said they could not come",
    ];

    /// <summary>The CSV's rows by header, read with CsvHelper as an MIS import would; its header line must be <paramref name="headers"/> (the record of intervention's by default).</summary>
    internal static List<Dictionary<string, string>> ReadCsv(byte[] bytes, IReadOnlyList<string>? headers = null)
    {
        headers ??= Headers;
        using var csv = CsvReader.Create(bytes);
        var rows = new List<Dictionary<string, string>>();
        Assert.Equal(headers, csv.Headers);
        while (csv.Read())
        {
            rows.Add(headers.ToDictionary(h => h, h => csv.GetString(h)));
        }
        return rows;
    }

    /// <summary>The PDF's words, page after page, read with PdfPig; every word must lie within its page (long values wrap).</summary>
    internal static string PdfText(byte[] bytes)
    {
        using var pdf = PdfDocument.Open(bytes);
        foreach (var page in pdf.GetPages())
        {
            Assert.All(page.GetWords(), w => Assert.True(w.BoundingBox.Right <= page.Width && w.BoundingBox.Left >= 0, $"'{w.Text}' runs off page {page.Number}."));
        }
        return string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    private static bool ContainsInOrder(string text, string value)
    {
        var at = 0;
        foreach (var word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            at = text.IndexOf(word, at, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }
            at += word.Length;
        }
        return true;
    }
}

public sealed class RecordApiOnSqlite(ChaperoneApp app) : RecordApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class RecordApiOnPostgres(PostgresChaperoneApp app) : RecordApiTests(app), IClassFixture<PostgresChaperoneApp>;
