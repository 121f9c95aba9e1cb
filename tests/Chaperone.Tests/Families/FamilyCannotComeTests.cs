using System.Net;
using System.Net.Http.Json;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Families;

/// <summary>
/// A family that cannot come says so on their page, until the start: the teacher is emailed
/// (without the family's words, which are read on the session's page), sees it there and in the
/// family links, and the family can take it back. Moving the session starts afresh. Each test
/// moves the clock forward, so the class has its own app.
/// </summary>
public abstract class FamilyCannotComeTests(ChaperoneApp app)
{
    private const string Words = "Toby has a hospital appointment that morning.\nCould we do Friday instead?";

    private async Task<(TestSchool School, HttpClient Teacher, string SessionId, string Path, DateTimeOffset Start)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        return (school, teacher, id, await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother), start);
    }

    private Task<List<OutboxMessage>> EmailsAsync(string sessionId, MessageKind kind) =>
        app.WithDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.SessionId == Guid.Parse(sessionId) && m.Kind == kind).ToListAsync());

    private static async Task<System.Text.Json.JsonElement> MotherOfLinksAsync(HttpClient staff, string sessionId, Guid mother) =>
        (await Api.JsonAsync(await staff.GetAsync($"/api/v1/sessions/{sessionId}/family-links"), HttpStatusCode.OK))
            .GetProperty("guardians").EnumerateArray().Single(g => g.GetProperty("guardianId").GetString() == mother.ToString());

    [Fact]
    public async Task TheFamilySaysTheyCannotComeTheTeacherIsToldAndTheyCanTakeItBack()
    {
        var (school, teacher, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        // The booking email tells the family where to say so.
        var booked = Assert.Single(await EmailsAsync(id, MessageKind.Booked), m => m.RecipientId == school.Mother);
        using (var mime = app.Services.GetRequiredService<MessageComposer>().Render(booked))
        {
            Assert.Contains("If you cannot come, please say so there too: the teacher is told at once.", mime.TextBody, StringComparison.Ordinal);
        }
        var before = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.True(before.GetProperty("canSayCannotCome").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("cannotCome").ValueKind);

        var said = await Api.JsonAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "  " + Words + "  " }), HttpStatusCode.OK);

        Assert.Equal(Words, said.GetProperty("cannotCome").GetProperty("message").GetString());
        Assert.Equal(app.Clock.GetUtcNow(), said.GetProperty("cannotCome").GetProperty("at").GetDateTimeOffset());
        // The teacher is emailed at once: who and which session, not what the family wrote.
        var email = Assert.Single(await EmailsAsync(id, MessageKind.FamilyCannotCome));
        Assert.Equal(school.TeacherId, email.RecipientId);
        Assert.Equal("teacher", email.RecipientRole);
        Assert.StartsWith("A family cannot come to the video call with Toby Twoparents:", email.Subject, StringComparison.Ordinal);
        using (var mime = app.Services.GetRequiredService<MessageComposer>().Render(email))
        {
            Assert.Contains("Mia Mother (Mother) has told the school, on their page for the call, that they cannot come", mime.TextBody, StringComparison.Ordinal);
            Assert.Contains($"/sessions/{id}", mime.TextBody, StringComparison.Ordinal);
            Assert.DoesNotContain("hospital", mime.TextBody, StringComparison.Ordinal);
            Assert.DoesNotContain("hospital", mime.HtmlBody, StringComparison.Ordinal);
        }
        // The teacher reads it on the session's page and in the family links.
        var links = await MotherOfLinksAsync(teacher, id, school.Mother);
        Assert.Equal(Words, links.GetProperty("cannotCome").GetProperty("message").GetString());
        var page = WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}"));
        Assert.Contains($"Mia Mother (Mother) told the school on {Chaperone.Pages.Display.Day(NodaTime.Instant.FromDateTimeOffset(app.Clock.GetUtcNow()).InZone(Api.London).Date)} at ", page, StringComparison.Ordinal);
        Assert.Contains("Toby has a hospital appointment that morning.", page, StringComparison.Ordinal);
        Assert.Contains("Move or cancel the session below", page, StringComparison.Ordinal);
        Assert.Contains("A family cannot come", await teacher.GetStringAsync("/sessions"), StringComparison.Ordinal);
        Assert.Contains("Mia Mother said on their page that they cannot come at this time.", WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}/console")), StringComparison.Ordinal);

        // New words replace the old ones, without another email.
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = await Api.JsonAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Any afternoon next week is fine." }), HttpStatusCode.OK);
        Assert.Equal("Any afternoon next week is fine.", again.GetProperty("cannotCome").GetProperty("message").GetString());
        Assert.Single(await EmailsAsync(id, MessageKind.FamilyCannotCome));

        // They can come after all: the teacher is told, and the page no longer says otherwise.
        var back = await Api.JsonAsync(await family.DeleteAsync("/api/v1" + path + "/cannot-come"), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, back.GetProperty("cannotCome").ValueKind);
        var canCome = Assert.Single(await EmailsAsync(id, MessageKind.FamilyCanCome));
        Assert.StartsWith("A family can come to the video call with Toby Twoparents after all:", canCome.Subject, StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await MotherOfLinksAsync(teacher, id, school.Mother)).GetProperty("cannotCome").ValueKind);
        Assert.DoesNotContain("told the school on", WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}")), StringComparison.Ordinal);
        Assert.DoesNotContain("A family cannot come", await teacher.GetStringAsync("/sessions"), StringComparison.Ordinal);
        // Taking back what was not said changes nothing.
        await Api.JsonAsync(await family.DeleteAsync("/api/v1" + path + "/cannot-come"), HttpStatusCode.OK);
        Assert.Single(await EmailsAsync(id, MessageKind.FamilyCanCome));

        // The parent's own subject access export holds what they said, each time.
        var (_, slt) = await Chaperone.Tests.Concerns.ConcernTestSupport.LeadersAsync(app, school);
        var export = await Api.JsonAsync(await slt.GetAsync($"/api/v1/guardians/{school.Mother}/subject-access"), HttpStatusCode.OK);
        var notices = Assert.Single(export.GetProperty("sessions").EnumerateArray()).GetProperty("cannotCome").EnumerateArray().ToList();
        Assert.Equal([true, true, false], notices.Select(n => n.GetProperty("cannotCome").GetBoolean()));
        Assert.Equal(Words, notices[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task MovingTheSessionStartsAfreshAndOnceTheCallStartsItCanNoLongerBeSaid()
    {
        var (school, teacher, id, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        await Api.JsonAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = (string?)null }), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await MotherOfLinksAsync(teacher, id, school.Mother)).GetProperty("cannotCome").GetProperty("message").ValueKind);

        // The teacher moves the session: the family's word was about the old time.
        var moved = Api.NextWeekdayAt(start.AddDays(1), 11);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, moved)).StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await MotherOfLinksAsync(teacher, id, school.Mother)).GetProperty("cannotCome").ValueKind);
        var page = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, page.GetProperty("cannotCome").ValueKind);

        // At the start it can no longer be said or taken back here; nothing is stored, nobody emailed.
        app.Clock.SetUtcNow(moved);
        var late = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.False(late.GetProperty("canSayCannotCome").GetBoolean());
        Assert.Equal(["cannotCome"], await Api.BadRequestFieldsAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Sorry" })));
        Assert.Equal(["cannotCome"], await Api.BadRequestFieldsAsync(await family.DeleteAsync("/api/v1" + path + "/cannot-come")));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().CountAsync(n => n.SessionId == Guid.Parse(id))));
        Assert.Single(await EmailsAsync(id, MessageKind.FamilyCannotCome));
    }

    /// <summary>Sends the family's word while <paramref name="change"/> is written and not yet committed; checks that the word waits for it.</summary>
    private async Task<HttpResponseMessage> SayWhileChangingAsync(string id, string path, Action<Chaperone.Scheduling.Session> change)
    {
        var family = Api.AnonymousClient(app);
        Task<HttpResponseMessage> saying;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
            // Given up (on SQLite, the write turn with it) at the end of this block.
            await using var write = await Chaperone.Storage.WriteTransaction.BeginAsync(db, CancellationToken.None);
            var session = await db.Sessions.Include(s => s.Pupils).Include(s => s.Guardians).SingleAsync(s => s.Id == Guid.Parse(id));
            change(session);
            session.Sequence++;
            await db.SaveChangesAsync();
            saying = family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Not at that time." });
            await Task.Delay(TimeSpan.FromMilliseconds(400));
            Assert.False(saying.IsCompleted, "the family's word waits for the change");
            await write.CommitAsync(CancellationToken.None);
        }
        return await saying;
    }

    [Fact]
    public async Task SayingItWhileTheSessionIsBeingCancelledTellsThemItIsCancelled()
    {
        var (_, _, id, path, _) = await BookedAsync();

        var problem = await Api.ProblemAsync(await SayWhileChangingAsync(id, path, s => (s.Status, s.CancellationReason) = (Chaperone.Scheduling.SessionStatus.Cancelled, "Teacher unwell")), HttpStatusCode.BadRequest);

        Assert.Contains("The school has just cancelled this call", problem.GetProperty("errors").GetProperty("cannotCome")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().CountAsync(n => n.SessionId == Guid.Parse(id))));
    }

    [Fact]
    public async Task SayingItWhileTheSessionIsBeingMovedWaitsForTheMoveAndStoresNothing()
    {
        var (school, _, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        var answer = await SayWhileChangingAsync(id, path, session => (session.Start, session.End) = (session.Start.AddHours(1), session.End.AddHours(1)));

        // It was about the time they saw: they are told of the new one, and nothing is stored or sent.
        var problem = await Api.ProblemAsync(answer, HttpStatusCode.BadRequest);
        Assert.Contains("The school has just moved the call to", problem.GetProperty("errors").GetProperty("cannotCome")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().CountAsync(n => n.SessionId == Guid.Parse(id))));
        Assert.Empty(await EmailsAsync(id, MessageKind.FamilyCannotCome));
        // Said again, it stands for the new time.
        var said = await Api.JsonAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Not at that time either." }), HttpStatusCode.OK);
        Assert.Equal("Not at that time either.", said.GetProperty("cannotCome").GetProperty("message").GetString());
        Assert.Single(await EmailsAsync(id, MessageKind.FamilyCannotCome), m => m.RecipientId == school.TeacherId);
    }

    [Fact]
    public async Task BadInputIsRefusedOnItsFieldAndNothingIsStored()
    {
        var (_, _, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        var url = "/api/v1" + path + "/cannot-come";

        Assert.Equal(["message"], await Api.BadRequestFieldsAsync(await family.PostAsJsonAsync(url, new { message = new string('x', 1001) })));
        Assert.Equal(["message"], await Api.BadRequestFieldsAsync(await family.PostAsJsonAsync(url, new { message = "Sorry\u0000" })));
        await Api.ProblemAsync(await Api.PostRawAsync(family, url, "{\"message\": "), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await Api.PostRawAsync(family, url, "{\"message\": 42}"), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await Api.PostRawAsync(family, url, "{\"message\": \"Sorry \\ud800\"}"), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await family.PostAsJsonAsync("/api/v1/family/not-a-token/cannot-come", new { message = "Sorry" }), HttpStatusCode.NotFound);

        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().CountAsync(n => n.SessionId == Guid.Parse(id))));
        Assert.Empty(await EmailsAsync(id, MessageKind.FamilyCannotCome));
        // A message of exactly the limit is kept whole.
        var full = new string('y', Chaperone.Families.FamilyAbsence.MaxMessage);
        var said = await Api.JsonAsync(await family.PostAsJsonAsync(url, new { message = full }), HttpStatusCode.OK);
        Assert.Equal(full, said.GetProperty("cannotCome").GetProperty("message").GetString());
    }

    private async Task<string> TeachersLatestCannotComeTextAsync(string sessionId)
    {
        var email = (await EmailsAsync(sessionId, MessageKind.FamilyCannotCome)).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Last();
        using var mime = app.Services.GetRequiredService<MessageComposer>().Render(email);
        return mime.TextBody ?? "";
    }

    [Fact]
    public async Task TheTeacherIsToldWhoIsStillExpectedForThePupilAndWhetherTheCallCanGoAhead()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var family = Api.AnonymousClient(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        object WithBoth(Guid other, DateTimeOffset at) => new
        {
            teacherId = school.TeacherId.ToString(),
            pupilIds = new[] { school.TwoParentPupil.ToString() },
            guardianIds = new[] { school.Mother.ToString(), other.ToString() },
            kind = "support",
            start = Api.Rfc3339(at),
            durationMinutes = 30,
        };
        var id = await TestSchool.BookOkAsync(teacher, WithBoth(school.Father, start));
        var mother = await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother);
        var father = await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Father);

        // The mother cannot come; the father, with parental responsibility, still can: the call can go ahead.
        Assert.Equal(HttpStatusCode.Redirect, (await FamilyLinkTests.SendFormAsync(family, mother, "CannotCome", ("Message", "Fred will do it."))).StatusCode);
        var text = await TeachersLatestCannotComeTextAsync(id);
        Assert.Contains("Fred Father (Father) is still expected with Toby Twoparents, so the call can go ahead with them.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot take part", text, StringComparison.Ordinal);
        var page = WebUtility.HtmlDecode(await family.GetStringAsync(mother));
        Assert.Contains("Another parent or carer invited for Toby Twoparents can still come, so the call can go ahead with them.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("The school will move or cancel the call", page, StringComparison.Ordinal);

        // Then the father cannot either: nobody is left to supervise Toby.
        Assert.Equal(HttpStatusCode.Redirect, (await FamilyLinkTests.SendFormAsync(family, father, "CannotCome")).StatusCode);
        Assert.Contains("Without a parent or carer to supervise them, Toby Twoparents cannot take part (clause 4).", await TeachersLatestCannotComeTextAsync(id), StringComparison.Ordinal);
        Assert.Contains("The school will move or cancel the call, and email you either way.", WebUtility.HtmlDecode(await family.GetStringAsync(father)), StringComparison.Ordinal);
        Assert.Contains("The school will move or cancel the call, and email you either way.", WebUtility.HtmlDecode(await family.GetStringAsync(mother)), StringComparison.Ordinal);

        // With a carer without parental responsibility left, nobody can give consent.
        await app.WithDbAsync(db =>
        {
            db.PupilGuardians.Add(new Chaperone.People.PupilGuardian { SchoolId = school.SchoolId, PupilId = school.TwoParentPupil, GuardianId = school.CarerWithoutResponsibility });
            return db.SaveChangesAsync();
        });
        var withCarer = await TestSchool.BookOkAsync(teacher, WithBoth(school.CarerWithoutResponsibility, start.AddDays(1)));
        var motherAgain = await FamilyLinkTests.FamilyPathAsync(teacher, withCarer, school.Mother);
        Assert.Equal(HttpStatusCode.Redirect, (await FamilyLinkTests.SendFormAsync(family, motherAgain, "CannotCome")).StatusCode);
        Assert.Contains("Cal Carer (Foster carer) is still expected with Toby Twoparents, but does not hold parental responsibility, so nobody left can give consent for Toby Twoparents (clause 1)",
            await TeachersLatestCannotComeTextAsync(withCarer), StringComparison.Ordinal);
        Assert.Contains("The school will move or cancel the call, and email you either way.", WebUtility.HtmlDecode(await family.GetStringAsync(motherAgain)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageAtTheBrowsersLimitWithLineBreaksIsTakenAsTheParentTypedIt()
    {
        var (_, _, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        // 1,000 characters as the textarea's maxlength counts them (a line break is one); its form sends each as CRLF.
        var line = new string('z', 99);
        var typed = string.Join("\n", Enumerable.Repeat(line, 10));
        Assert.Equal(Chaperone.Families.FamilyAbsence.MaxMessage, typed.Length + 1);
        typed += "!";

        var sent = await FamilyLinkTests.SendFormAsync(family, path, "CannotCome", ("Message", typed.ReplaceLineEndings("\r\n")));

        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var stored = await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().Where(n => n.SessionId == Guid.Parse(id)).Select(n => n.Message).SingleAsync());
        Assert.Equal(typed, stored);
        // And through the API, a lone CR is a line break too.
        var said = await Api.JsonAsync(await family.PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = typed.ReplaceLineEndings("\r") }), HttpStatusCode.OK);
        Assert.Equal(typed, said.GetProperty("cannotCome").GetProperty("message").GetString());
    }

    [Fact]
    public async Task EveryFormOfTheFamilyPageTakesANulToItsFieldNotToABadRequestPage()
    {
        var (_, _, _, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        using (var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await family.GetStringAsync(path)))
        {
            Assert.All(page.Forms.Where(f => f.Method == "post"), f => Assert.Equal("multipart/form-data", f.Enctype));
        }

        var sent = await FamilyLinkTests.SendFormAsync(family, path, "Checklist", ("Ticked", "quiet-room\u0000"));

        var html = WebUtility.HtmlDecode(await sent.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("Something in the checklist was not right", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Your link is fine", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANulInTheMessageIsRefusedOnItsFieldAndNeverBlamedOnTheLink()
    {
        var (_, _, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);

        var sent = await FamilyLinkTests.SendFormAsync(family, path, "CannotCome", ("Message", "Sorry\u0000 we are away"));

        var html = WebUtility.HtmlDecode(await sent.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("Your message has characters that cannot be kept", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("This link does not work", html, StringComparison.Ordinal);
        // A client that sends it url-encoded is told that what it sent could not be read, not that the link is wrong.
        var token = System.Text.RegularExpressions.Regex.Match(await family.GetStringAsync(path), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var encoded = await family.PostAsync(path + "?handler=CannotCome", new StringContent($"__RequestVerificationToken={Uri.EscapeDataString(token)}&Message=Sorry%00", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, encoded.StatusCode);
        var refused = WebUtility.HtmlDecode(await encoded.Content.ReadAsStringAsync());
        Assert.Contains("Your link is fine", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("This link does not work", refused, StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Chaperone.Families.FamilyAbsenceNotice>().CountAsync(n => n.SessionId == Guid.Parse(id))));
    }

    [Fact]
    public async Task TheRecordOfInterventionShowsWhoSaidTheyCouldNotComeOnTheirOwnChildsRow()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(teacher, school.GroupBooking(start));
        var said = app.Clock.GetUtcNow();
        await Api.JsonAsync(await Api.AnonymousClient(app).PostAsJsonAsync("/api/v1" + await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother) + "/cannot-come",
            new { message = Words }), HttpStatusCode.OK);

        // The call does not take place; the session's page says what to do, and the teacher records that the pupils did not attend.
        app.Clock.SetUtcNow(start.AddMinutes(40));
        using var later = await school.TeacherAsync(app);
        Assert.Contains("If the pupil did not attend, record it below: the record of intervention shows that the family said so beforehand.",
            WebUtility.HtmlDecode(await later.GetStringAsync($"/sessions/{id}")), StringComparison.Ordinal);
        await Api.JsonAsync(await later.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome", new { outcome = "did-not-attend" }), HttpStatusCode.OK);

        var record = await Api.JsonAsync(await later.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        Assert.Equal("ended", record.GetProperty("session").GetProperty("status").GetString());
        var fact = Assert.Single(record.GetProperty("cannotCome").EnumerateArray());
        Assert.Equal("Mia Mother", fact.GetProperty("guardianName").GetString());
        Assert.Equal([school.TwoParentPupil.ToString()], fact.GetProperty("pupilIds").EnumerateArray().Select(p => p.GetString()));
        var expected = $"Mia Mother (Mother), {Chaperone.Pages.Display.At(said, Api.London)}: Toby has a hospital appointment that morning. Could we do Friday instead?";
        Assert.Contains($"Said beforehand, on their page, that they could not come: {expected}.", WebUtility.HtmlDecode(await later.GetStringAsync($"/sessions/{id}/record")), StringComparison.Ordinal);

        // On Toby's row of the record of intervention, and not on Ava's, whose family said nothing.
        var day = start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        async Task<string?> RowAsync(Guid pupil) =>
            Assert.Single((await Api.JsonAsync(await later.GetAsync($"/api/v1/pupils/{pupil}/record-of-intervention?from={day}&to={day}"), HttpStatusCode.OK))
                .GetProperty("rows").EnumerateArray()).GetProperty("familySaidCannotCome").GetString();
        Assert.Equal(expected, await RowAsync(school.TwoParentPupil));
        Assert.Equal("", await RowAsync(school.SiblingA));
        var csv = await later.GetStringAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?from={day}&to={day}&format=csv");
        Assert.Contains("Family said they could not come", csv.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("Could we do Friday instead?", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheTeacherHasLeftTheSeniorLeadersAreTold()
    {
        var (school, _, id, path, _) = await BookedAsync();
        await app.WithDbAsync(async db =>
        {
            var teacher = await db.Users.SingleAsync(u => u.Id == school.TeacherId);
            teacher.AccessEndedAt = app.Clock.GetUtcNow();
            return await db.SaveChangesAsync();
        });

        await Api.JsonAsync(await Api.AnonymousClient(app).PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Sorry" }), HttpStatusCode.OK);

        var email = Assert.Single(await EmailsAsync(id, MessageKind.FamilyCannotCome));
        Assert.Equal(school.SltId, email.RecipientId);
        Assert.Equal("slt", email.RecipientRole);
    }
}

public sealed class FamilyCannotComeOnSqlite(ChaperoneApp app) : FamilyCannotComeTests(app), IClassFixture<ChaperoneApp>;

public sealed class FamilyCannotComeOnPostgres(PostgresChaperoneApp app) : FamilyCannotComeTests(app), IClassFixture<PostgresChaperoneApp>;
