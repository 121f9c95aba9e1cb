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
    private async Task<(TestSchool School, string SessionId, string Path, DateTimeOffset Start)> BookedAsync(bool meetingMade)
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        if (meetingMade)
        {
            app.Graph.ServeMeeting(user);
        }
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        return (school, id, await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother), start);
    }

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

        // Before the join opens: the page says where the call is, and offers no way in yet.
        var before = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.Equal("teams", before.GetProperty("provider").GetString());
        Assert.False(before.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("join").GetProperty("url").ValueKind);
        var closedPage = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains("In Microsoft Teams", closedPage, StringComparison.Ordinal);
        Assert.DoesNotContain(joinUrl, closedPage, StringComparison.Ordinal);

        // Ten minutes before the start: the button is the Teams meeting's own link.
        app.Clock.SetUtcNow(start.AddMinutes(-10));
        var open = await Api.JsonAsync(await family.GetAsync("/api/v1" + path), HttpStatusCode.OK);
        Assert.True(open.GetProperty("join").GetProperty("open").GetBoolean());
        Assert.Equal(joinUrl, open.GetProperty("join").GetProperty("url").GetString());
        var page = WebUtility.HtmlDecode(await family.GetStringAsync(path));
        Assert.Contains($"href=\"{joinUrl}\"", page, StringComparison.Ordinal);
        Assert.Contains("Join the Teams meeting", page, StringComparison.Ordinal);
        Assert.Contains("from the meeting's lobby", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"href=\"{path}/call\"", page, StringComparison.Ordinal);

        // The built-in room's call page, reached by hand, sends the family back to their page.
        var call = await family.GetAsync(path + "/call");
        Assert.Equal(HttpStatusCode.Redirect, call.StatusCode);
        Assert.Equal(path + "#join-title", call.Headers.Location?.OriginalString);
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
