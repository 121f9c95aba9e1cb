using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Families;

/// <summary>
/// The guardian's link, used as a parent would (the page) and as a client would (the API): it
/// opens without an account, shows the session as it now stands, and stops opening when the
/// session is cancelled or over, or the guardian is no longer invited; a closed link names
/// nobody and nothing.
/// </summary>
public abstract class FamilyLinkTests(ChaperoneApp app)
{
    private DateTimeOffset Now => app.Clock.GetUtcNow();

    /// <summary>A weekday at 10:00 London time, at least 50 hours on (clause 8 wants 48).</summary>
    private DateTimeOffset Start => Api.NextWeekdayAt(Now.AddHours(50), 10);

    private static string When(DateTimeOffset start, int minutes = 30) =>
        Pages.Display.When(start, start.AddMinutes(minutes), Api.London);

    /// <summary>The guardian's link as staff hand it out (GET /api/v1/sessions/{id}/family-links): the path of its address.</summary>
    public static async Task<string> FamilyPathAsync(HttpClient staff, string sessionId, Guid guardianId)
    {
        var links = await Api.JsonAsync(await staff.GetAsync($"/api/v1/sessions/{sessionId}/family-links"), HttpStatusCode.OK);
        var url = links.GetProperty("guardians").EnumerateArray().Single(g => g.GetProperty("guardianId").GetString() == guardianId.ToString()).GetProperty("url").GetString();
        return new Uri(url!).AbsolutePath;
    }

    /// <summary>Sends the family page's form whose handler is <paramref name="handler"/> as a browser would (<see cref="PageForms.SendAsync"/>).</summary>
    public static Task<HttpResponseMessage> SendFormAsync(HttpClient family, string path, string handler, params (string Name, string Value)[] fields) =>
        PageForms.SendAsync(family, path, handler, fields);

    private static string ApiPath(string familyPath) => "/api/v1" + familyPath;

    private static string Tamper(string familyPath)
    {
        var token = familyPath["/family/".Length..];
        var i = token.Length / 2;
        var swapped = token[i] == 'A' ? 'B' : 'A';
        return "/family/" + token[..i] + swapped + token[(i + 1)..];
    }

    private async Task<(TestSchool School, HttpClient Teacher, string SessionId, string Path, DateTimeOffset Start)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Start;
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        return (school, teacher, id, await FamilyPathAsync(teacher, id, school.Mother), start);
    }

    private static async Task AssertRevealsNothingAsync(HttpResponseMessage response, TestSchool school, HttpStatusCode expected)
    {
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}");
        foreach (var secret in new[] { "Toby", "Mia", "teacher", school.SchoolId.ToString(), "December", "10:00", "Test school", "My sessions" })
        {
            Assert.DoesNotContain(secret, html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task TheFamilyAddsTheSessionToTheirCalendarAsTheEventOfTheirInvite()
    {
        var (school, teacher, id, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        Assert.Contains($"href=\"{path}/calendar.ics\"", await family.GetStringAsync(path), StringComparison.Ordinal);

        var response = await family.GetAsync(path + "/calendar.ics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("METHOD:PUBLISH", text, StringComparison.Ordinal);
        var ev = Assert.Single(Ical.Net.Calendar.Load(text)!.Events);
        Assert.Equal($"{Guid.Parse(id):N}@chaperone", ev.Uid);
        Assert.Equal(0, ev.Sequence);
        Assert.Equal("Europe/London", ev.DtStart!.TzId);
        Assert.Equal(start.UtcDateTime, ev.DtStart.AsUtc);
        // Its address is the family's own page.
        Assert.Contains("This page is for Mia Mother.", await family.GetStringAsync(ev.Url!.AbsolutePath), StringComparison.Ordinal);
        Assert.Contains("video call with Toby Twoparents", ev.Summary, StringComparison.Ordinal);

        // Moved, it is the invite's next version; cancelled, the file is gone as the page is.
        var moved = Start.AddDays(1);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, moved)).StatusCode);
        var again = Assert.Single(Ical.Net.Calendar.Load(await family.GetStringAsync(path + "/calendar.ics"))!.Events);
        Assert.Equal((1, moved.UtcDateTime), (again.Sequence, again.DtStart!.AsUtc));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, id)).StatusCode);
        await Api.ProblemAsync(await family.GetAsync(path + "/calendar.ics"), HttpStatusCode.Gone);
        await Api.ProblemAsync(await family.GetAsync(Tamper(path) + "/calendar.ics"), HttpStatusCode.NotFound);
        using var asJson = new HttpRequestMessage(HttpMethod.Get, path + "/calendar.ics") { Headers = { { "Accept", "application/json" } } };
        await Api.ProblemAsync(await family.SendAsync(asJson), HttpStatusCode.Gone);
        // A browser asking for a page is sent to the family's page, which says why.
        using var asPage = new HttpRequestMessage(HttpMethod.Get, path + "/calendar.ics") { Headers = { { "Accept", "text/html,application/xhtml+xml,*/*;q=0.8" } } };
        var page = await family.SendAsync(asPage);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(path, page.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AValidLinkOpensTheSessionPageWithoutAnAccount()
    {
        var (school, _, _, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);

        var response = await family.GetAsync(path);

        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(When(start), html);
        Assert.Contains("Toby Twoparents", html);
        Assert.Contains("teacher ", html);
        Assert.Contains("This page is for Mia Mother", html);
        Assert.Contains("has arranged a one-to-one video call.", html);
        Assert.Contains("It is not a bedroom.", html);
        Assert.Contains("The join button opens 10 minutes before the start", html);
        Assert.Contains("disabled", html);
        Assert.DoesNotContain("My sessions", html);
        Assert.DoesNotContain("href=\"/sessions", html);
        Assert.True(response.Headers.CacheControl?.NoStore, "A family page is never cached.");
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());

        var session = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.Equal(When(start), session.GetProperty("when").GetString());
        Assert.Equal(start, session.GetProperty("start").GetDateTimeOffset());
        Assert.Equal("Mia Mother", session.GetProperty("guardian").GetString());
        Assert.Equal(["Toby Twoparents"], session.GetProperty("pupils").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(school.SchoolId.ToString(), (await app.WithDbAsync(db => db.Schools.Where(s => s.Name == session.GetProperty("school").GetString()).Select(s => s.Id).SingleAsync())).ToString());
        Assert.False(session.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(start.AddMinutes(-10), session.GetProperty("join").GetProperty("opensAt").GetDateTimeOffset());
        Assert.Equal(7, session.GetProperty("checklist").GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ALinkWithOneCharacterChangedIs404AndRevealsNothing()
    {
        var (school, _, _, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);

        await AssertRevealsNothingAsync(await family.GetAsync(Tamper(path)), school, HttpStatusCode.NotFound);
        await AssertRevealsNothingAsync(await family.GetAsync(path[..^3]), school, HttpStatusCode.NotFound);
        await AssertRevealsNothingAsync(await family.GetAsync("/family/not-a-link"), school, HttpStatusCode.NotFound);
        var page = WebUtility.HtmlDecode(await (await family.GetAsync(Tamper(path))).Content.ReadAsStringAsync());
        Assert.Contains("This link does not work", page);

        var problem = await Api.ProblemAsync(await family.GetAsync(ApiPath(Tamper(path))), HttpStatusCode.NotFound);
        Assert.DoesNotContain("Toby", problem.ToString());
        await Api.ProblemAsync(await family.PutAsJsonAsync(ApiPath(Tamper(path)) + "/checklist", new { ticked = new[] { "dress" } }), HttpStatusCode.NotFound);
        Assert.Equal(0, await app.WithDbAsync(db => db.FamilyChecklistAnswers.CountAsync(a => a.SchoolId == school.SchoolId)));
    }

    // "%2500" arrives as the path "%00": the not-found page must not unescape it a second time.
    [Theory]
    [InlineData("/family/%2500/nothing")]
    [InlineData("/calendar/%2500")]
    [InlineData("/nothing/%2500")]
    public async Task AnAddressWithAnEscapedPercentSignIsNotFound(string path)
    {
        var response = await Api.AnonymousClient(app).GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains(path.StartsWith("/family", StringComparison.Ordinal) ? "This link does not work" : "Page not found", page);
    }

    [Fact]
    public async Task TheJoinButtonLeadsToTheCallFromTenMinutesBeforeTheStart()
    {
        var (_, _, _, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        // The clock cannot go back: the other tests here book relative to now, so this does not disturb them.
        app.Clock.SetUtcNow(start.AddMinutes(-10).AddSeconds(-1));
        Assert.DoesNotContain($"href=\"{path}/call\"", await family.GetStringAsync(path));

        app.Clock.SetUtcNow(start.AddMinutes(-10));
        var html = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains($"href=\"{path}/call\"", html);
        Assert.Contains("The call is open", html);
        var session = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.True(session.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(path + "/call", session.GetProperty("join").GetProperty("url").GetString());
        Assert.Equal("builtin", session.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task ForACallAtTheStartOfSchoolHoursTheJoinButtonOpensWithTheRoomThen()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(Now.AddHours(50), 9);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var path = await FamilyPathAsync(teacher, id, school.Mother);
        var family = Api.AnonymousClient(app);

        // Ten minutes before, school hours have not begun, so neither has the room (clause 3).
        app.Clock.SetUtcNow(start.AddMinutes(-10));
        var html = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.DoesNotContain($"href=\"{path}/call\"", html);
        Assert.Contains("The join button opens at the start of school hours, at 09:00", html);
        var session = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.Equal(start, session.GetProperty("join").GetProperty("opensAt").GetDateTimeOffset());

        app.Clock.SetUtcNow(start);
        Assert.Contains($"href=\"{path}/call\"", await family.GetStringAsync(path));
    }

    [Fact]
    public async Task TheFamilyIsToldOfTheFullExpectationsUntilTheirChildHasHadACallWithTheTeacherAsTheConsoleShowsThem()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var family = Api.AnonymousClient(app);
        // Booked well after the call below (which is three days on): by then that call has been held.
        var later = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddDays(14), 10)));
        var path = await FamilyPathAsync(teacher, later, school.Mother);
        Assert.True((await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK)).GetProperty("firstSessionWithTeacher").GetBoolean());
        Assert.Contains("As this is the first video call with", WebUtility.HtmlDecode(await family.GetStringAsync(path)));

        // A session booked earlier is not a call held: only once its call has run is the later one a reminder.
        var start = CallClient.NextSessionStart(app);
        var earlier = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start)));
        Assert.True((await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK)).GetProperty("firstSessionWithTeacher").GetBoolean());
        await CallClient.RunCallAsync(app, school, earlier, start, "completed", "Fractions.");

        Assert.False((await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK)).GetProperty("firstSessionWithTeacher").GetBoolean());
        Assert.Contains("will start with a brief reminder of the rules", WebUtility.HtmlDecode(await family.GetStringAsync(path)));
        var facts = await app.WithDbAsync(db => Chaperone.Calls.RoomRegistry.LoadFactsAsync(db, school.SchoolId, Guid.Parse(later), CancellationToken.None));
        Assert.False(facts!.FirstSessionWithTeacher);
    }

    [Fact]
    public async Task InASmallGroupEachFamilysEmailsAndPageNameOnlyTheirOwnChildren()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.GroupBooking(Start));
        var family = Api.AnonymousClient(app);

        async Task<(string Subject, string Text)> BookedEmailAsync(Guid recipient)
        {
            var row = await app.WithDbAsync(db => db.OutboxMessages.SingleAsync(m => m.SessionId == Guid.Parse(id) && m.Kind == Chaperone.Notifications.MessageKind.Booked && m.RecipientId == recipient));
            using var mime = app.Services.GetRequiredService<Chaperone.Notifications.MessageComposer>().Render(row);
            return (mime.Subject ?? "", mime.TextBody ?? "");
        }

        // Ava's parent hears of Ava only; Toby's mother of Toby only; the teacher's copy names both.
        var sams = await BookedEmailAsync(school.SharedParent);
        Assert.StartsWith("Video call booked for Ava Sibling, in a small group with 1 other pupil: ", sams.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("Toby", sams.Subject + sams.Text, StringComparison.Ordinal);
        Assert.Contains("Ava Sibling (pupil), in a small group with 1 other pupil, each with their own parent or carer", sams.Text, StringComparison.Ordinal);
        var mias = await BookedEmailAsync(school.Mother);
        Assert.StartsWith("Video call booked for Toby Twoparents, in a small group with 1 other pupil: ", mias.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("Ava", mias.Subject + mias.Text, StringComparison.Ordinal);
        var copy = await BookedEmailAsync(school.TeacherId);
        Assert.StartsWith("Copy: Video call booked for Ava Sibling and Toby Twoparents: ", copy.Subject, StringComparison.Ordinal);

        // The family's page and API likewise.
        var path = await FamilyPathAsync(teacher, id, school.SharedParent);
        var session = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.Equal(["Ava Sibling"], session.GetProperty("pupils").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(1, session.GetProperty("otherPupils").GetInt32());
        var html = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains("Ava Sibling, in a small group with 1 other pupil, each with their own parent or carer", html);
        Assert.Contains("has arranged a small-group video call.", html);
        Assert.DoesNotContain("one-to-one", html);
        Assert.DoesNotContain("Toby", html);
        // The plain text has no button: it points to the link.
        Assert.Contains("Open your own page for this call with the link below", mias.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("button", mias.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALinkStopsOpeningOnceTheSessionAndItsGraceAreOver()
    {
        var (school, _, _, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        var expiry = start.AddMinutes(30) + FamilyLinks.GraceAfterEnd;
        // The clock cannot go back: the other tests here book relative to now, so this does not disturb them.
        app.Clock.SetUtcNow(expiry.AddSeconds(-1));
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(path)).StatusCode);

        app.Clock.SetUtcNow(expiry);
        var response = await family.GetAsync(path);
        await AssertRevealsNothingAsync(response, school, HttpStatusCode.Gone);
        await AssertRevealsNothingAsync(await family.GetAsync(path + "/call"), school, HttpStatusCode.Gone);
        Assert.Contains("This link has expired", WebUtility.HtmlDecode(await (await family.GetAsync(path)).Content.ReadAsStringAsync()));
        await Api.ProblemAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task ACancelledSessionsLinkIs410AndSaysOnlyThatTheSchoolCancelledIt()
    {
        var (school, teacher, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, id, "Private family matter")).StatusCode);

        var response = await family.GetAsync(path);

        await AssertRevealsNothingAsync(response, school, HttpStatusCode.Gone);
        await AssertRevealsNothingAsync(await family.GetAsync(path + "/call"), school, HttpStatusCode.Gone);
        var html = WebUtility.HtmlDecode(await (await family.GetAsync(path)).Content.ReadAsStringAsync());
        Assert.Contains("This session was cancelled by the school.", html);
        Assert.DoesNotContain("Private family matter", html);
        var problem = await Api.ProblemAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.Gone);
        Assert.DoesNotContain("Private family matter", problem.ToString());
        var links = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.OK);
        Assert.Equal("cancelled", links.GetProperty("closedBecause").GetString());
        Assert.All(links.GetProperty("guardians").EnumerateArray(), g => Assert.Equal(JsonValueKind.Null, g.GetProperty("url").ValueKind));
    }

    [Fact]
    public async Task ARescheduledSessionsOldLinkShowsTheNewTime()
    {
        var (_, teacher, id, path, start) = await BookedAsync();
        var family = Api.AnonymousClient(app);
        var moved = start.AddDays(1).AddHours(3);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, moved, 45)).StatusCode);

        var html = WebUtility.HtmlDecode(await (await family.GetAsync(path)).Content.ReadAsStringAsync());

        Assert.Contains(When(moved, 45), html);
        Assert.DoesNotContain(When(start), html);
        var session = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.Equal(moved, session.GetProperty("start").GetDateTimeOffset());
    }

    [Fact]
    public async Task AnotherSchoolReadsNothingThroughLinksOrTheStaffApi()
    {
        var (_, _, id, _, _) = await BookedAsync();
        var other = await TestSchool.CreateAsync(app);
        var otherTeacher = await other.TeacherAsync(app);
        var links = app.Services.GetRequiredService<FamilyLinks>();

        // A genuine token naming this session and a guardian of the other school opens nothing.
        var mixed = links.UrlFor(Guid.Parse(id), other.Mother).AbsolutePath;
        Assert.Equal(HttpStatusCode.NotFound, (await Api.AnonymousClient(app).GetAsync(mixed)).StatusCode);
        await Api.ProblemAsync(await otherTeacher.GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AGuardianNoLongerInvitedOrLinkedToThePupilCannotOpenTheirLink()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var body = school.TwoParentBooking(Start);
        var id = await TestSchool.BookOkAsync(teacher, body);
        var mother = await FamilyPathAsync(teacher, id, school.Mother);
        var father = await FamilyPathAsync(teacher, id, school.Father);
        var family = Api.AnonymousClient(app);
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(father)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(father + "/call")).StatusCode);

        var admin = await school.AdminAsync(app);
        var unlinked = await admin.PutAsJsonAsync($"/api/v1/pupils/{school.TwoParentPupil}", new { name = "Toby Twoparents", guardianIds = new[] { school.Mother.ToString() } });
        Assert.Equal(HttpStatusCode.OK, unlinked.StatusCode);
        // Wherever the link leads: the family's page, its API, its calendar file and the call page.
        foreach (var path in new[] { father, father + "/call", father + "/calendar.ics", ApiPath(father) })
        {
            await AssertRevealsNothingAsync(await family.GetAsync(path), school, HttpStatusCode.NotFound);
        }
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(mother)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(mother + "/call")).StatusCode);

        await app.WithDbAsync(db => db.SessionGuardians.Where(g => g.SessionId == Guid.Parse(id) && g.GuardianId == school.Mother).ExecuteDeleteAsync());
        await AssertRevealsNothingAsync(await family.GetAsync(mother), school, HttpStatusCode.NotFound);
        await AssertRevealsNothingAsync(await family.GetAsync(mother + "/call"), school, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ChecklistAnswersAreSavedWithTheTimeAndShownToStaff()
    {
        var (school, teacher, id, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);

        var saved = await Api.JsonAsync(await family.PutAsJsonAsync(ApiPath(path) + "/checklist", new { ticked = new[] { "not-bedroom", "devices-off", "dress" } }), HttpStatusCode.OK);

        var items = saved.GetProperty("checklist").GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("key").GetString()!, i => i.GetProperty("ticked").GetBoolean());
        Assert.True(items["not-bedroom"] && items["devices-off"] && items["dress"]);
        Assert.False(items["communal"] || items["blank-wall"]);
        Assert.Equal(Now, saved.GetProperty("checklist").GetProperty("savedAt").GetDateTimeOffset());
        var again = await Api.JsonAsync(await family.GetAsync(ApiPath(path)), HttpStatusCode.OK);
        Assert.Equal(saved.GetProperty("checklist").ToString(), again.GetProperty("checklist").ToString());

        var links = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.OK);
        var answer = links.GetProperty("guardians").EnumerateArray().Single(g => g.GetProperty("guardianId").GetString() == school.Mother.ToString()).GetProperty("checklist");
        Assert.Equal(Now, answer.GetProperty("answeredAt").GetDateTimeOffset());
        var page = WebUtility.HtmlDecode(await (await teacher.GetAsync($"/sessions/{id}")).Content.ReadAsStringAsync());
        Assert.Contains("Confirmed: It is not a bedroom.", page);
        Assert.Contains("Not ticked: We will use a shared family room, not a private one.", page);
        Assert.Contains(Pages.Display.At(Now, Api.London), page);
        // Staff can hand the parent a working link from the page (each link made is new, and each opens the same page).
        var handedOut = Regex.Match(page, "value=\"(http[^\"]+/family/[^\"]+)\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await family.GetAsync(new Uri(handedOut).AbsolutePath)).StatusCode);
    }

    [Fact]
    public async Task ChecklistWithAnUnknownItemOrNoListIs400AndSavesNothing()
    {
        var (school, _, _, path, _) = await BookedAsync();
        var family = Api.AnonymousClient(app);

        Assert.Equal(["ticked"], await Api.BadRequestFieldsAsync(await family.PutAsJsonAsync(ApiPath(path) + "/checklist", new { ticked = new[] { "dress", "bedroom-door-locked" } })));
        Assert.Equal(["ticked"], await Api.BadRequestFieldsAsync(await family.PutAsJsonAsync(ApiPath(path) + "/checklist", new { })));
        await Api.ProblemAsync(await family.PutAsync(ApiPath(path) + "/checklist", new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(0, await app.WithDbAsync(db => db.FamilyChecklistAnswers.CountAsync(a => a.SchoolId == school.SchoolId)));
    }

    [Fact]
    public async Task OnlyTheSessionsTeacherAndLeadersGetItsFamilyLinks()
    {
        var (school, _, id, _, _) = await BookedAsync();

        await Api.ProblemAsync(await (await school.OtherTeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await (await school.DslAsync(app)).GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.Forbidden);
        var slt = await Api.JsonAsync(await (await school.SltAsync(app)).GetAsync($"/api/v1/sessions/{id}/family-links"), HttpStatusCode.OK);
        Assert.StartsWith("http", slt.GetProperty("guardians")[0].GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnonymousClient(app).GetAsync($"/api/v1/sessions/{id}/family-links")).StatusCode);
        await Api.ProblemAsync(await (await school.TeacherAsync(app)).GetAsync("/api/v1/sessions/garbage/family-links"), HttpStatusCode.NotFound);
    }
}

public sealed class FamilyLinkOnSqlite(ChaperoneApp app) : FamilyLinkTests(app), IClassFixture<ChaperoneApp>;

public sealed class FamilyLinkOnPostgres(PostgresChaperoneApp app) : FamilyLinkTests(app), IClassFixture<PostgresChaperoneApp>;

/// <summary>The family pages and API are rate-limited per client address (their own app, so no other test shares the budget).</summary>
public abstract class FamilyRateLimitTests(ChaperoneApp app)
{
    [Fact]
    public async Task TooManyRequestsFromOneAddressGet429WithAFamilyPage()
    {
        var family = Api.AnonymousClient(app);
        for (var i = 0; i < Chaperone.Identity.RateLimits.DefaultFamilyRequestsPerMinute; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await family.GetAsync($"/family/guess-{i}")).StatusCode);
        }

        var page = await family.GetAsync("/family/guess-one-more");
        var api = await family.GetAsync("/api/v1/family/guess-one-more");
        var call = await family.GetAsync("/family/guess-one-more/call");

        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("Too many attempts", html);
        Assert.DoesNotContain("My sessions", html);
        Assert.DoesNotContain("href=\"/sessions", html);
        await Api.ProblemAsync(api, HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.TooManyRequests, call.StatusCode);
    }
}

public sealed class FamilyRateLimitOnSqlite(ChaperoneApp app) : FamilyRateLimitTests(app), IClassFixture<ChaperoneApp>;

public sealed class FamilyRateLimitOnPostgres(PostgresChaperoneApp app) : FamilyRateLimitTests(app), IClassFixture<PostgresChaperoneApp>;
