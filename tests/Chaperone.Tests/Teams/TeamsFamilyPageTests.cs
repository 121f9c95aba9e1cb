using System.Net;
using Chaperone.Families;
using Chaperone.Notifications;
using Chaperone.Tests.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Teams;

/// <summary>
/// A Teams session as its family meets it: the booking email and the family's page say the call
/// is in Microsoft Teams, and the page's join button leads to the Teams meeting (never to the
/// built-in room, which a Teams session does not use) from ten minutes before the start. Each
/// test moves the clock forward, so the class has its own app.
/// </summary>
public abstract class TeamsFamilyPageTests(TeamsApp app)
{
    private async Task<(TestSchool School, string SessionId, string Path, DateTimeOffset Start)> BookedAsync(bool meetingMade, bool teams = true, bool bothParents = false)
    {
        var school = await TestSchool.CreateAsync(app);
        if (teams)
        {
            var user = await app.UseTeamsAsync(school);
            if (meetingMade)
            {
                app.Graph.ServeMeeting(user);
            }
        }
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(teacher, bothParents
            ? new
            {
                teacherId = school.TeacherId.ToString(),
                pupilIds = new[] { school.TwoParentPupil.ToString() },
                guardianIds = new[] { school.Mother.ToString(), school.Father.ToString() },
                kind = "support",
                start = start.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                durationMinutes = 30,
            }
            : school.Booking(start));
        return (school, id, await FamilyLinkTests.FamilyPathAsync(teacher, id, bothParents ? school.Father : school.Mother), start);
    }

    private static Task<HttpResponseMessage> ConsentAsync(HttpClient family, string path) => family.PostAsync("/api/v1" + path + "/consent", null);

    [Fact]
    public async Task TheFamilyIsToldTheCallIsInTeamsAndJoinsTheTeamsMeetingFromTheirPage()
    {
        var (school, id, _, start) = await BookedAsync(meetingMade: true);
        var joinUrl = await app.WithDbAsync(db => db.Set<Chaperone.Teams.TeamsMeeting>().Where(m => m.SessionId == Guid.Parse(id)).Select(m => m.JoinUrl).SingleAsync());
        Assert.NotNull(joinUrl);
        var family = Api.AnonymousClient(app);

        // The booking email sends the parent to their page, saying the call is a Teams meeting; they follow its link.
        string path;
        var row = await app.WithDbAsync(db => db.OutboxMessages.SingleAsync(m => m.SessionId == Guid.Parse(id) && m.Kind == MessageKind.Booked && m.RecipientId == school.Mother));
        using (var mime = app.Services.GetRequiredService<MessageComposer>().Render(row))
        {
            Assert.Contains("The call takes place in Microsoft Teams.", mime.TextBody, StringComparison.Ordinal);
            path = System.Text.RegularExpressions.Regex.Match(mime.TextBody ?? "", "/family/[A-Za-z0-9_-]+").Value;
            Assert.NotEmpty(path);
        }

        // Before the join opens: the page says where the call is, and offers no way in yet; consent is for the start.
        var before = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.Equal("teams", before.GetProperty("provider").GetString());
        Assert.False(before.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("join").GetProperty("url").ValueKind);
        Assert.True(before.GetProperty("consent").GetProperty("canConsent").GetBoolean());
        Assert.False(before.GetProperty("consent").GetProperty("open").GetBoolean());
        Assert.Equal(["consent"], await Api.BadRequestFieldsAsync(await ConsentAsync(family, path)));
        var closedPage = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains("In Microsoft Teams", closedPage, StringComparison.Ordinal);
        Assert.DoesNotContain(joinUrl, closedPage, StringComparison.Ordinal);
        Assert.DoesNotContain("I give my consent", closedPage, StringComparison.Ordinal);

        // Ten minutes before the start: the parent with parental responsibility consents in the words shown (clause 1), and only then is the button the meeting's link.
        app.Clock.SetUtcNow(start.AddMinutes(-10));
        var asked = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.False(asked.GetProperty("join").GetProperty("open").GetBoolean());
        var words = asked.GetProperty("consent").GetProperty("text").GetString()!;
        Assert.StartsWith("I, Mia Mother, have parental responsibility for Toby Twoparents.", words, StringComparison.Ordinal);
        var askedPage = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains("I give my consent", askedPage, StringComparison.Ordinal);
        Assert.DoesNotContain(joinUrl, askedPage, StringComparison.Ordinal);

        // The teacher, about to let the family in from the lobby, sees on the session's page that no consent is on record yet.
        using var teacher = await school.TeacherAsync(app);
        Assert.Contains("Toby Twoparents: no consent given on the family's page yet.", WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}")), StringComparison.Ordinal);

        var open = await Api.JsonAsync(await ConsentAsync(family, path), HttpStatusCode.OK);
        Assert.Equal(start.AddMinutes(-10), open.GetProperty("consent").GetProperty("givenAt").GetDateTimeOffset());
        Assert.True(open.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(joinUrl, open.GetProperty("join").GetProperty("url").GetString());
        var page = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains($"href=\"{joinUrl}\"", page, StringComparison.Ordinal);
        Assert.Contains("Join the Teams meeting", page, StringComparison.Ordinal);
        Assert.Contains("from the meeting's lobby", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"href=\"{path}/call\"", page, StringComparison.Ordinal);

        // Consenting again keeps the first; the session's record holds it, with how it was given.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Api.JsonAsync(await ConsentAsync(family, path), HttpStatusCode.OK);
        Assert.Contains($"Toby Twoparents: consent given by Mia Mother (Mother) at {Chaperone.Pages.Display.At(start.AddMinutes(-10), Api.London)}.",
            WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}")), StringComparison.Ordinal);
        var record = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        var consent = Assert.Single(record.GetProperty("consents").EnumerateArray());
        Assert.Equal("Mia Mother", consent.GetProperty("guardianName").GetString());
        Assert.Equal("family-page", consent.GetProperty("how").GetString());
        Assert.Equal(words, consent.GetProperty("text").GetString());
        Assert.Equal(start.AddMinutes(-10), consent.GetProperty("givenAt").GetDateTimeOffset());
        var recordPage = WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}/record"));
        Assert.Contains("Given by Mia Mother (Mother, parental responsibility) at 09:50, on their page for the call, before joining the Teams meeting; not yet confirmed by the teacher", recordPage, StringComparison.Ordinal);
        var day = start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var rows = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?from={day}&to={day}"), HttpStatusCode.OK);
        Assert.StartsWith("Given by Mia Mother (Mother, parental responsibility) at 09:50, on their page for the call",
            Assert.Single(rows.GetProperty("rows").EnumerateArray()).GetProperty("consent").GetString(), StringComparison.Ordinal);
        // Once the call's time has come, the teacher confirming consent with the outcome sees who gave it on their page, and when.
        app.Clock.SetUtcNow(start.AddMinutes(1));
        var sessionPage = WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}"));
        Assert.Contains($"On their page for the call: Mia Mother gave consent at {Chaperone.Pages.Display.At(start.AddMinutes(-10), Api.London)}.", sessionPage, StringComparison.Ordinal);

        // The built-in room's call page, reached by hand, sends the family back to their page.
        var call = await family.GetAsync(path + "/call");
        Assert.Equal(HttpStatusCode.Redirect, call.StatusCode);
        Assert.Equal(path + "#join-title", call.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ConsentsSentAtOnceAreStoredOnce()
    {
        var (_, id, path, start) = await BookedAsync(meetingMade: true);
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        var family = Api.AnonymousClient(app);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConsentAsync(family, path)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var stored = await app.WithDbAsync(db => db.Set<Chaperone.Calls.CallEventRecord>()
            .CountAsync(e => e.SessionId == Guid.Parse(id) && e.Kind == Chaperone.Calls.RoomEvents.ConsentGiven));
        Assert.Equal(1, stored);
    }

    [Fact]
    public async Task AParentWithoutParentalResponsibilityIsNotAskedToConsentAndJoinsOnceTheCallOpens()
    {
        var (school, _, path, start) = await BookedAsync(meetingMade: true, bothParents: true);
        // The school's records change after the booking: the father no longer holds parental responsibility.
        await app.WithDbAsync(async db =>
        {
            var father = await db.Guardians.SingleAsync(g => g.Id == school.Father);
            father.HasParentalResponsibility = false;
            return await db.SaveChangesAsync();
        });
        var family = Api.AnonymousClient(app);
        app.Clock.SetUtcNow(start.AddMinutes(-10));

        var session = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);

        Assert.False(session.GetProperty("consent").GetProperty("canConsent").GetBoolean());
        Assert.Contains("A parent with parental responsibility for Toby Twoparents gives consent", session.GetProperty("consent").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(session.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(["consent"], await Api.BadRequestFieldsAsync(await ConsentAsync(family, path)));
        var page = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.DoesNotContain("I give my consent", page, StringComparison.Ordinal);
        // Told once, not twice, that consent is not theirs to give: they supervise.
        Assert.Contains("You are invited to supervise Toby Twoparents throughout the call.", page, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "with parental responsibility"));
        Assert.DoesNotContain("data-family-consent", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABuiltInSessionsConsentIsGivenInTheCallNotOnThePage()
    {
        var (_, _, path, start) = await BookedAsync(meetingMade: false, teams: false);
        var family = Api.AnonymousClient(app);
        app.Clock.SetUtcNow(start.AddMinutes(-10));

        var session = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, session.GetProperty("consent").ValueKind);
        var refused = await Api.ProblemAsync(await ConsentAsync(family, path), HttpStatusCode.BadRequest);
        Assert.Contains("consent is given in the call itself", refused.GetProperty("errors").GetProperty("consent")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATeamsMeetingNotYetMadeKeepsTheButtonClosedWithAWordToTheFamily()
    {
        var (_, _, path, start) = await BookedAsync(meetingMade: false);
        var family = Api.AnonymousClient(app);

        app.Clock.SetUtcNow(start.AddMinutes(-5));

        var session = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.False(session.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(OpenFamilyLink.TeamsMeetingNotReady, session.GetProperty("join").GetProperty("message").GetString());
        var page = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains(OpenFamilyLink.TeamsMeetingNotReady, page, StringComparison.Ordinal);
        Assert.DoesNotContain("Join the Teams meeting</a>", page, StringComparison.Ordinal);
    }
}

public sealed class TeamsFamilyPageOnSqlite(TeamsApp app) : TeamsFamilyPageTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsFamilyPageOnPostgres(PostgresTeamsApp app) : TeamsFamilyPageTests(app), IClassFixture<PostgresTeamsApp>;
