using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Records;

/// <summary>A pupil's subject access export as a client reads it: everything held about them, and concerns only for those who may include them.</summary>
public abstract class SubjectAccessApiTests(ChaperoneApp app)
{
    private const string Notes = "Toby read aloud; next time, fractions.";

    [Fact]
    public async Task InASmallGroupTheStaffEmailsInAPupilsExportLeaveOutTheOtherChildrensNames()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.GroupBooking(CallClient.NextSessionStart(app)));
        // Toby's mother says on her page that they cannot come: that is Toby's family's, not Ava's.
        var tobys = await Chaperone.Tests.Families.FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother);
        await Api.JsonAsync(await Api.AnonymousClient(app).PostAsJsonAsync("/api/v1" + tobys + "/cannot-come", new { message = "Toby is unwell." }), HttpStatusCode.OK);
        var (dsl, _) = await LeadersAsync(app, school);

        var export = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/pupils/{school.SiblingA}/subject-access"), HttpStatusCode.OK);
        Assert.DoesNotContain("Toby is unwell.", export.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Mia Mother", export.GetRawText(), StringComparison.Ordinal);
        var toby = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/subject-access"), HttpStatusCode.OK);
        Assert.Contains("Toby is unwell.", toby.GetRawText(), StringComparison.Ordinal);

        var subjects = export.GetProperty("emails").EnumerateArray().Select(e => e.GetProperty("subject").GetString()!).ToList();
        Assert.Contains(subjects, s => s.StartsWith("Copy: Video call booked for Ava Sibling and another pupil: ", StringComparison.Ordinal));
        Assert.Contains(subjects, s => s.StartsWith("Video call booked for Ava Sibling, in a small group with 1 other pupil: ", StringComparison.Ordinal));
        Assert.DoesNotContain(subjects, s => s.Contains("Toby", StringComparison.Ordinal));
        // The emails as sent still name both children.
        var sent = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/notifications"), HttpStatusCode.OK);
        Assert.Contains(sent.EnumerateArray(), m => m.GetProperty("subject").GetString()!.Contains("Ava Sibling and Toby Twoparents", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Copy: Video call booked for Ava Sibling and Toby Twoparents: Monday", "Ava Sibling", new[] { "Toby Twoparents" }, "Copy: Video call booked for Ava Sibling and another pupil: Monday")]
    [InlineData("Call for Ava Sibling-Jones and Ava Sibling", "Ava Sibling-Jones", new[] { "Ava Sibling" }, "Call for Ava Sibling-Jones and another pupil")]
    [InlineData("Call for Ava Sibling and Ava Sibling-Jones", "Ava Sibling", new[] { "Ava Sibling-Jones" }, "Call for Ava Sibling and another pupil")]
    [InlineData("Call for Tom and Tom Smith", "Ann", new[] { "Tom", "Tom Smith" }, "Call for another pupil and another pupil")]
    [InlineData("Ben was upset; ben  sibling left, Ben's coat stayed", "Ava Sibling", new[] { "Ben Sibling" }, "another pupil was upset; another pupil left, another pupil's coat stayed")]
    [InlineData("Tomas and Tom Smith and Tom", "Ann", new[] { "Tom Smith" }, "Tomas and another pupil and another pupil")]
    [InlineData("Ava and Ava Jones", "Ava Sibling", new[] { "Ava Jones" }, "Ava and another pupil")]
    public void OtherChildrensNamesAreLeftOutLongestFirstAndThePupilsOwnStays(string subject, string own, string[] others, string expected) =>
        Assert.Equal(expected, Chaperone.Records.SubjectAccess.WithoutNames(subject, others, own));

    [Fact]
    public async Task APupilsExportNamesNoOtherChildOfTheirConcernsOrTheirGroupNorInWhatWasWrittenAboutThem()
    {
        var school = await TestSchool.CreateAsync(app);
        // Ava and her brother Ben in a small group, whose notes name him.
        var start = CallClient.NextSessionStart(app);
        var group = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), new
        {
            teacherId = school.TeacherId.ToString(), pupilIds = new[] { school.SiblingA.ToString(), school.SiblingB.ToString() },
            guardianIds = new[] { school.SharedParent.ToString() }, kind = "support", start = Api.Rfc3339(start), durationMinutes = 30,
        }));
        await CallClient.RunCallAsync(app, school, group, start, "completed", "Ava read well; Ben was upset and ben sibling left early.", pupils: [school.SiblingA, school.SiblingB],
            guardian: school.SharedParent);
        var (dsl, _) = await LeadersAsync(app, school);
        // A concern about Ava and Toby, whose words name Toby.
        var concern = await RaiseAsync(await school.TeacherAsync(app), new
        {
            pupilIds = new[] { school.SiblingA.ToString(), school.TwoParentPupil.ToString() }, kind = "safeguarding",
            summary = "Toby and Ava fought", detail = "Toby Twoparents pushed Ava Sibling. TOBY TWOPARENTS said sorry.", childsOwnWords = "Toby hurt me",
        });
        var concernId = concern.GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{concernId}/actions", new { text = "Spoke to Toby's mother." }), HttpStatusCode.OK);

        var export = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/pupils/{school.SiblingA}/subject-access?includeConcerns=true"), HttpStatusCode.OK);

        // The concern is Ava's, also about another child, unnamed; Toby's name is out of its words.
        var held = Assert.Single(export.GetProperty("concerns").EnumerateArray());
        Assert.Equal([school.SiblingA.ToString()], held.GetProperty("pupils").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal("another child", held.GetProperty("alsoAbout").GetString());
        Assert.Equal("another child and Ava fought", held.GetProperty("summary").GetString());
        Assert.Equal("another child pushed Ava Sibling. another child said sorry.", held.GetProperty("detail").GetString());
        Assert.Equal("another child hurt me", held.GetProperty("childsOwnWords").GetString());
        Assert.Contains(held.GetProperty("chronology").EnumerateArray(), e => e.GetProperty("text").GetString() == "Spoke to another child's mother.");
        // The group's session names Ava alone, in its notes too; nor do the emails about it name Ben.
        var session = Assert.Single(export.GetProperty("sessions").EnumerateArray());
        Assert.Equal("Ava read well; another pupil was upset and another pupil left early.", session.GetProperty("notes").GetString());
        Assert.Equal(["Ava Sibling"], session.GetProperty("session").GetProperty("pupils").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.NotEmpty(export.GetProperty("emails").EnumerateArray());
        var raw = export.GetRawText();
        foreach (var other in new[] { "Toby", "TOBY", "Twoparents", "Ben", "ben sibling", school.TwoParentPupil.ToString(), school.SiblingB.ToString() })
        {
            Assert.DoesNotContain(other, raw, StringComparison.Ordinal);
        }

        // Toby's own export holds the concern the other way round; the concern itself, read in the school, names both.
        var tobys = Assert.Single((await Api.JsonAsync(await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/subject-access?includeConcerns=true"), HttpStatusCode.OK))
            .GetProperty("concerns").EnumerateArray());
        Assert.Equal("Toby and another child fought", tobys.GetProperty("summary").GetString());
        Assert.Equal("Toby Twoparents pushed another child. TOBY TWOPARENTS said sorry.", tobys.GetProperty("detail").GetString());
        var inSchool = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{concernId}"), HttpStatusCode.OK);
        Assert.Equal(["Ava Sibling", "Toby Twoparents"], inSchool.GetProperty("pupils").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, inSchool.GetProperty("alsoAbout").ValueKind);
    }

    [Fact]
    public async Task EverythingHeldAboutAPupilIsExportedAndConcernsOnlyByThoseWhoMayIncludeThem()
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        // Signed in after the call, which moves the app's clock past any earlier token's hour.
        var (dsl, slt) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);
        // Someone else's session, and concerns about Toby of both kinds.
        var siblings = await TestSchool.BookOkAsync(teacher, school.Booking(CallClient.NextSessionStart(app), pupil: school.SiblingA, guardian: school.SharedParent));
        await RaiseAsync(teacher, Safeguarding(school));
        await RaiseAsync(teacher, new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "Rude gestures", detail = "At the camera, twice." });
        Task<HttpResponseMessage> ExportAsync(HttpClient client, Guid pupil, bool concerns = false) =>
            client.GetAsync($"/api/v1/pupils/{pupil}/subject-access{(concerns ? "?includeConcerns=true" : "")}");

        var export = await Api.JsonAsync(await ExportAsync(dsl, school.TwoParentPupil, concerns: true), HttpStatusCode.OK);

        Assert.Equal(school.TwoParentPupil.ToString(), export.GetProperty("pupil").GetProperty("id").GetString());
        Assert.Equal(["Fred Father", "Mia Mother"], Names(export.GetProperty("parentsAndCarers")).Order());
        var session = Assert.Single(export.GetProperty("sessions").EnumerateArray());
        Assert.Equal(sessionId.ToString(), session.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal("Mia Mother", session.GetProperty("consent").GetProperty("guardianName").GetString());
        Assert.Equal(Notes, session.GetProperty("notes").GetString());
        Assert.DoesNotContain(siblings, export.GetRawText(), StringComparison.Ordinal);
        var emails = export.GetProperty("emails").EnumerateArray().ToList();
        Assert.NotEmpty(emails);
        Assert.All(emails, e => Assert.Equal(sessionId.ToString(), e.GetProperty("sessionId").GetString()));
        Assert.Contains(emails, e => e.GetProperty("kind").GetString() == "booked" && e.GetProperty("recipientName").GetString() == "Mia Mother");
        Assert.Contains(export.GetProperty("trail").EnumerateArray(), t => t.GetProperty("action").GetString() == AuditActions.SessionBooked);
        Assert.Equal(["behaviour", "safeguarding"], export.GetProperty("concerns").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).Order());
        Assert.NotEmpty(export.GetProperty("notIncluded").EnumerateArray());

        // A senior leader includes the behaviour concerns they read; without asking, none are in.
        var bySlt = await Api.JsonAsync(await ExportAsync(slt, school.TwoParentPupil, concerns: true), HttpStatusCode.OK);
        Assert.Equal(["behaviour"], bySlt.GetProperty("concerns").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        var unasked = await Api.JsonAsync(await ExportAsync(dsl, school.TwoParentPupil), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, unasked.GetProperty("concerns").ValueKind);
        Assert.StartsWith("Not included", unasked.GetProperty("concernsNote").GetString());

        // Nobody else makes one, nor the DSL signed in with a password alone; no other school's pupil is found.
        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(teacher, school.TwoParentPupil)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(await DslWithoutTwoFactorAsync(app, school), school.TwoParentPupil)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(await school.AdminAsync(app), school.TwoParentPupil)).StatusCode);
        var other = await TestSchool.CreateAsync(app);
        await Api.ProblemAsync(await ExportAsync(dsl, other.TwoParentPupil), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await dsl.GetAsync("/api/v1/pupils/not-an-id/subject-access"), HttpStatusCode.NotFound);

        // Each export is in the trail.
        Assert.Equal(3, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.SubjectAccessExported)));
    }

    [Fact]
    public async Task AParentsOwnExportHoldsWhatTheyGaveAndWereSentAndNotTheirChildsNotes()
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        var (_, slt) = await LeadersAsync(app, school);
        Task<HttpResponseMessage> ExportAsync(HttpClient client, Guid guardian) => client.GetAsync($"/api/v1/guardians/{guardian}/subject-access");

        var mother = await Api.JsonAsync(await ExportAsync(slt, school.Mother), HttpStatusCode.OK);

        Assert.Equal("Mia Mother", mother.GetProperty("parentOrCarer").GetProperty("name").GetString());
        Assert.Contains(Names(mother.GetProperty("pupils")), n => n == "Toby Twoparents");
        var session = Assert.Single(mother.GetProperty("sessions").EnumerateArray());
        Assert.Equal(sessionId.ToString(), session.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal(start.AddMinutes(-3), session.GetProperty("consent").GetProperty("givenAt").GetDateTimeOffset());
        Assert.NotEmpty(session.GetProperty("checklists").EnumerateArray());
        Assert.NotEmpty(session.GetProperty("attendance").EnumerateArray());
        var emails = mother.GetProperty("emails").EnumerateArray().ToList();
        Assert.NotEmpty(emails);
        Assert.All(emails, e => Assert.Equal("Mia Mother", e.GetProperty("recipientName").GetString()));
        Assert.DoesNotContain(Notes, mother.GetRawText(), StringComparison.Ordinal);

        // The father was not invited: his export holds him and his child, and no session.
        var father = await Api.JsonAsync(await ExportAsync(slt, school.Father), HttpStatusCode.OK);
        Assert.Empty(father.GetProperty("sessions").EnumerateArray());
        Assert.Empty(father.GetProperty("emails").EnumerateArray());

        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(await school.TeacherAsync(app), school.Mother)).StatusCode);
        await Api.ProblemAsync(await ExportAsync(slt, (await TestSchool.CreateAsync(app)).Mother), HttpStatusCode.NotFound);
        Assert.Equal(2, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.GuardianSubjectAccessExported)));
    }

    [Fact]
    public async Task AParentsOwnExportOfASmallGroupNamesNoOtherChildNorTheirFamily()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        // Toby (Mia Mother's) and Ava Sibling (Sam Parent's) in one small group, cancelled for a reason that names Ava.
        var id = await TestSchool.BookOkAsync(teacher, school.GroupBooking(CallClient.NextSessionStart(app)));
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/cancel", new { reason = "Ava Sibling is unwell; AVA will rebook" })).StatusCode);
        var (_, slt) = await LeadersAsync(app, school);

        var mother = await Api.JsonAsync(await slt.GetAsync($"/api/v1/guardians/{school.Mother}/subject-access"), HttpStatusCode.OK);

        var session = Assert.Single(mother.GetProperty("sessions").EnumerateArray()).GetProperty("session");
        Assert.Equal(["Toby Twoparents"], Names(session.GetProperty("pupils")));
        Assert.Equal(["Mia Mother"], Names(session.GetProperty("guardians")));
        Assert.Equal("another pupil is unwell; another pupil will rebook", session.GetProperty("cancellation").GetProperty("reason").GetString());
        var text = mother.GetRawText();
        Assert.DoesNotContain("Ava", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AVA", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Sam Parent", text, StringComparison.Ordinal);
        Assert.DoesNotContain(school.SiblingA.ToString(), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(school.SharedParent.ToString(), text, StringComparison.OrdinalIgnoreCase);

        // Sam Parent's export is theirs in the same way: Ava, and not Toby nor his mother.
        var sam = (await Api.JsonAsync(await slt.GetAsync($"/api/v1/guardians/{school.SharedParent}/subject-access"), HttpStatusCode.OK)).GetRawText();
        Assert.Contains("Ava Sibling", sam, StringComparison.Ordinal);
        Assert.DoesNotContain("Toby", sam, StringComparison.Ordinal);
        Assert.DoesNotContain("Mia Mother", sam, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient teacher, Guid sessionId, int index, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/webm");
        return teacher.PostAsync($"/api/v1/sessions/{sessionId}/recording/chunks/{index}", content);
    }

    private static byte[] Chunk(string recording, int index) => System.Text.Encoding.ASCII.GetBytes($"webm-{recording}-{index}-" + new string('v', 40_000 + index));

    private static async Task<System.IO.Compression.ZipArchive> ZipAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(@"^subject-access-[a-z-]+-\d{4}-\d{2}-\d{2}\.zip$", response.Content.Headers.ContentDisposition?.FileName);
        return new System.IO.Compression.ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
    }

    private static async Task<byte[]> ReadAsync(System.IO.Compression.ZipArchiveEntry entry)
    {
        using var read = new MemoryStream();
        await using (var stream = await entry.OpenAsync())
        {
            await stream.CopyToAsync(read);
        }
        return read.ToArray();
    }

    [Fact]
    public async Task WithItsRecordingsTheExportIsAZipOfTheExportAndEachKeptRecordingsVideoAndEachIsAudited()
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        var teacher = await school.TeacherAsync(app);
        // Two recordings (the console was reopened mid-call), and a third deleted under retention.
        foreach (var (recording, index) in new[] { ("first", 0), ("first", 1), ("second", 0), ("third", 0) })
        {
            Assert.Equal(HttpStatusCode.OK, (await UploadAsync(teacher, sessionId, index, Chunk(recording, index))).StatusCode);
        }
        var third = await app.WithDbAsync(db => db.Set<Chaperone.Recordings.Recording>().Where(r => r.SessionId == sessionId).OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Select(r => r.Id).FirstAsync());
        await app.WithDbAsync(db => db.Set<Chaperone.Recordings.Recording>().Where(r => r.Id == third).ExecuteUpdateAsync(r => r.SetProperty(x => x.DeletedAt, app.Clock.GetUtcNow())));
        var (dsl, slt) = await LeadersAsync(app, school);

        using var zip = await ZipAsync(await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/subject-access?includeRecordings=true"));

        var export = JsonDocument.Parse(await ReadAsync(zip.GetEntry("subject-access.json")!)).RootElement;
        var files = export.GetProperty("recordings").EnumerateArray().ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(files.Select(f => f.GetProperty("file").GetString()).Append("subject-access.json").Order(), zip.Entries.Select(e => e.FullName).Order());
        Assert.All(files, f => Assert.Matches(@"^recordings/\d{4}-\d{2}-\d{2} \d{4} [0-9a-f-]{36}\.webm$", f.GetProperty("file").GetString()));
        var first = await ReadAsync(zip.GetEntry(files[0].GetProperty("file").GetString()!)!);
        Assert.Equal(Chunk("first", 0).Concat(Chunk("first", 1)), first);
        Assert.Equal(Chunk("second", 0), await ReadAsync(zip.GetEntry(files[1].GetProperty("file").GetString()!)!));
        Assert.DoesNotContain(files, f => f.GetProperty("recordingId").GetString() == third.ToString());
        Assert.Contains(export.GetProperty("notIncluded").EnumerateArray(), n => n.GetString()!.Contains("deleted under the school's retention rules", StringComparison.Ordinal));
        // The trail has its details.
        var booked = Assert.Single(export.GetProperty("trail").EnumerateArray(), t => t.GetProperty("action").GetString() == AuditActions.SessionBooked);
        Assert.Contains("\"start\"", booked.GetProperty("details").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.RecordingExported)));

        // The next export's trail says who exported the recordings.
        var again = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/subject-access"), HttpStatusCode.OK);
        Assert.Equal(2, again.GetProperty("trail").EnumerateArray().Count(t => t.GetProperty("action").GetString() == AuditActions.RecordingExported));
        Assert.Equal(JsonValueKind.Null, again.GetProperty("recordings").ValueKind);

        // The mother joined the call: her export holds its recordings; the father was not in it: his holds none.
        using var mothers = await ZipAsync(await slt.GetAsync($"/api/v1/guardians/{school.Mother}/subject-access?includeRecordings=true"));
        Assert.Equal(3, mothers.Entries.Count);
        using var fathers = await ZipAsync(await slt.GetAsync($"/api/v1/guardians/{school.Father}/subject-access?includeRecordings=true"));
        Assert.Equal(["subject-access.json"], fathers.Entries.Select(e => e.FullName));

        // A recording whose stored chunk is gone cuts the download off rather than ending it as if whole.
        var second = Guid.Parse(files[1].GetProperty("recordingId").GetString()!);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var blobs = scope.ServiceProvider.GetRequiredService<Chaperone.Recordings.RecordingStore>().Blobs;
            await blobs.DeleteAsync(Chaperone.Recordings.RecordingStore.ChunkName(school.SchoolId, second, 0), mayBeUnfinished: false, CancellationToken.None);
        }
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var cut = await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/subject-access?includeRecordings=true");
            await cut.Content.ReadAsByteArrayAsync();
        });
    }

    private static IEnumerable<string> Names(JsonElement people) => people.EnumerateArray().Select(p => p.GetProperty("name").GetString()!);
}

public sealed class SubjectAccessApiOnSqlite(ChaperoneApp app) : SubjectAccessApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class SubjectAccessApiOnPostgres(PostgresChaperoneApp app) : SubjectAccessApiTests(app), IClassFixture<PostgresChaperoneApp>;
