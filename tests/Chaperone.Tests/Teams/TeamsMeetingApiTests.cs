using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Teams;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Chaperone.Tests.Teams;

/// <summary>A Teams session's meeting through Microsoft Graph, with Graph stood in by a real HTTP server.</summary>
public abstract class TeamsMeetingApiTests(TeamsApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static JsonElement Body(string? body) => JsonDocument.Parse(body!).RootElement;

    private static async Task Eventually(Func<bool> condition, Func<string> describe)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(), describe());
    }

    [Fact]
    public async Task BookingATeamsSessionCreatesACalendarEventWithATeamsMeetingAndSetsItsSafeguardingOptions()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (eventId, meetingId, joinUrl, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);

        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        var session = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("teams", session.GetProperty("provider").GetString());
        var meeting = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.True(meeting.GetProperty("state").GetString() == "created", meeting + string.Join("\n", app.Graph.Server.LogEntries.Select(e => e.RequestMessage.Method + " " + e.RequestMessage.Url)));
        var requests = app.Graph.Requests(user);
        var post = Assert.Single(requests, r => r.Method == "POST");
        Assert.Equal(GraphOnLoopback.P($"/users/{user}/events"), post.Path);
        var e = Body(post.Body);
        Assert.True(e.GetProperty("isOnlineMeeting").GetBoolean());
        Assert.Equal("teamsForBusiness", e.GetProperty("onlineMeetingProvider").GetString());
        Assert.Equal("2026-12-03T10:00:00", e.GetProperty("start").GetProperty("dateTime").GetString());
        Assert.Equal("GMT Standard Time", e.GetProperty("start").GetProperty("timeZone").GetString());
        Assert.Equal("2026-12-03T10:30:00", e.GetProperty("end").GetProperty("dateTime").GetString());
        Assert.Equal(id, e.GetProperty("transactionId").GetString());
        // The family is invited by Chaperone's own email, and gets the meeting's link from their page once consent is given (clause 1), not from Teams.
        Assert.False(e.TryGetProperty("attendees", out var attendees) && attendees.GetArrayLength() > 0, e.ToString());
        Assert.DoesNotContain("mia.", post.Body!, StringComparison.Ordinal);

        var patch = Assert.Single(requests, r => r.Method == "PATCH");
        Assert.Equal(GraphOnLoopback.P($"/users/{user}/onlineMeetings/{meetingId}"), patch.Path);
        var o = Body(patch.Body);
        Assert.Equal("organizer", o.GetProperty("allowedPresenters").GetString());
        Assert.Equal("organizer", o.GetProperty("lobbyBypassSettings").GetProperty("scope").GetString());
        Assert.False(o.GetProperty("lobbyBypassSettings").GetProperty("isDialInBypassEnabled").GetBoolean());
        Assert.Equal("organizerAndCoOrganizers", o.GetProperty("allowedLobbyAdmitters").GetString());
        Assert.Equal("disabled", o.GetProperty("allowMeetingChat").GetString());
        Assert.Equal("none", o.GetProperty("shareMeetingChatHistoryDefault").GetString());
        Assert.False(o.GetProperty("allowParticipantsToChangeName").GetBoolean());
        Assert.True(o.GetProperty("isEntryExitAnnounced").GetBoolean());
        Assert.True(o.GetProperty("recordAutomatically").GetBoolean());
        Assert.False(o.GetProperty("allowBreakoutRooms").GetBoolean());

        Assert.Equal(joinUrl, meeting.GetProperty("joinUrl").GetString());
        Assert.Equal("disabled", meeting.GetProperty("options").GetProperty("allowMeetingChat").GetString());
        Assert.Empty(meeting.GetProperty("drift").EnumerateArray());
        var page = await (await teacher.GetAsync($"/sessions/{id}")).Content.ReadAsStringAsync();
        Assert.Contains("Meeting options as Teams reports them", page, StringComparison.Ordinal);
        Assert.Contains("<td>organizerAndCoOrganizers</td>", page, StringComparison.Ordinal);
        Assert.Contains(joinUrl.Replace("&", "&amp;", StringComparison.Ordinal), page, StringComparison.Ordinal);
        Assert.Equal(eventId, await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsMeeting>().Single(m => m.SessionId == Guid.Parse(id)).EventId)));
    }

    [Fact]
    public async Task OptionsThatDriftInTeamsAreReadBackAndPutRight()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, _, _, state) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        // Someone opens the meeting options in Teams and lets everyone present and chat.
        state.Safeguarded = false;
        var patchesBefore = app.Graph.Requests(user).Count(r => r.Method == "PATCH");

        var outcome = await app.WithTeamsAsync(t => t.EnsureOptionsAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Done>(outcome);
        var patches = app.Graph.Requests(user).Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(patchesBefore + 1, patches.Count);
        Assert.Equal("disabled", Body(patches[^1].Body).GetProperty("allowMeetingChat").GetString());
        Assert.Equal("organizer", Body(patches[^1].Body).GetProperty("allowedPresenters").GetString());
        var meeting = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.NotEqual(JsonValueKind.Null, meeting.GetProperty("driftCorrectedAt").ValueKind);
        Assert.Equal("organizer", meeting.GetProperty("options").GetProperty("allowedPresenters").GetString());
    }

    [Fact]
    public async Task ReschedulingMovesTheEventAndCancellingCancelsItWithTheReason()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (eventId, _, _, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        await Api.JsonAsync(await Api.RescheduleAsync(teacher, id, Thursday10.AddDays(1).AddHours(3), 45), HttpStatusCode.OK);
        await Api.JsonAsync(await Api.CancelAsync(teacher, id, "Teacher unwell"), HttpStatusCode.OK);

        var requests = app.Graph.Requests(user);
        var move = Assert.Single(requests, r => r.Method == "PATCH" && r.Path == GraphOnLoopback.P($"/users/{user}/events/{eventId}"));
        Assert.Equal("2026-12-04T13:00:00", Body(move.Body).GetProperty("start").GetProperty("dateTime").GetString());
        Assert.Equal("2026-12-04T13:45:00", Body(move.Body).GetProperty("end").GetProperty("dateTime").GetString());
        var cancel = Assert.Single(requests, r => r.Path == GraphOnLoopback.P($"/users/{user}/events/{eventId}/cancel"));
        Assert.Equal("POST", cancel.Method);
        Assert.Equal("Teacher unwell", Body(cancel.Body).GetProperty("comment").GetString());
        var meeting = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("cancelled", meeting.GetProperty("state").GetString());
    }

    [Fact]
    public async Task ThrottledByGraphTheEventIsCreatedAfterWaitingAsRetryAfterSays()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        app.Graph.ServeMeeting(user);
        var path = GraphOnLoopback.P($"/users/{user}/events");
        app.Graph.ThrottleOnce($"/users/{user}/events", "POST", 2);
        using var teacher = await school.TeacherAsync(app);
        int Posts() => app.Graph.Requests(user).Count(r => r.Method == "POST" && r.Path == path);

        // The retry waits on the app's clock (the test's fake one), so the wait can be watched.
        var booking = TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        await Eventually(() => Posts() == 1, () => string.Join("\n", app.Graph.Login.LogEntries.Concat(app.Graph.Server.LogEntries).Select(e => $"{e.RequestMessage.DateTime:HH:mm:ss.fff} {e.RequestMessage.Method} {e.RequestMessage.Path} {e.ResponseMessage.StatusCode}")));
        var waited = TimeSpan.Zero;
        while (Posts() < 2 && waited < TimeSpan.FromSeconds(10))
        {
            app.Clock.Advance(TimeSpan.FromMilliseconds(250));
            waited += TimeSpan.FromMilliseconds(250);
            await Task.Delay(100);
        }
        var id = await booking.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(waited >= TimeSpan.FromSeconds(2), $"Retried after {waited.TotalSeconds} s of the app's time; Retry-After said 2 s.");
        Assert.Equal(2, Posts());
        var meeting = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("created", meeting.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AMeetingThatCannotBeCreatedIsFlaggedAndTheWorkerCreatesItLater()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        app.Graph.ServeError($"/users/{user}/events", "POST", 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
        using var teacher = await school.TeacherAsync(app);

        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        var flagged = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("pending", flagged.GetProperty("state").GetString());
        Assert.Contains("Access denied", flagged.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, flagged.GetProperty("joinUrl").ValueKind);
        var page = await (await teacher.GetAsync($"/sessions/{id}")).Content.ReadAsStringAsync();
        Assert.Contains("has no Teams meeting yet", page, StringComparison.Ordinal);

        // The permission is granted; Graph now answers.
        var (_, _, joinUrl, _) = app.Graph.ServeMeeting(user);
        app.Graph.Server.Given(Request.Create().WithPath(GraphOnLoopback.P($"/users/{user}/events")).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBodyAsJson(new { id = "AAMk-retried", onlineMeeting = new { joinUrl } }));
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await app.Services.GetRequiredService<TeamsWorker>().RunOnceAsync(CancellationToken.None);

        var created = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("created", created.GetProperty("state").GetString());
        Assert.Equal(joinUrl, created.GetProperty("joinUrl").GetString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("lastError").ValueKind);
    }

    [Fact]
    public async Task TheAdminsTeamsPageShowsTheProviderAndEachTeachersAccountButNeverTheSecret()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        using var admin = await school.AdminAsync(app);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new { defaultProvider = "teams", tenantId = GraphOnLoopback.TenantId, clientId = GraphOnLoopback.ClientId, clientSecret = "very-secret-value" })).EnsureSuccessStatusCode();

        var page = await (await admin.GetAsync("/admin/teams")).Content.ReadAsStringAsync();

        Assert.Contains($"value=\"{user}\"", page, StringComparison.Ordinal);
        Assert.Contains("A secret is stored (it is never shown)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", page, StringComparison.Ordinal);
        var stored = await app.WithDbAsync(db => Task.FromResult(db.Set<TeamsSchoolSettings>().Single(s => s.SchoolId == school.SchoolId).ProtectedClientSecret));
        Assert.DoesNotContain("very-secret-value", stored, StringComparison.Ordinal);
        // The change is audited, saying a secret was given but never what it is; so is each account mapping.
        var trail = await app.WithDbAsync(db => Task.FromResult(db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && (e.Action == Chaperone.Audit.AuditActions.TeamsSettingsChanged || e.Action == Chaperone.Audit.AuditActions.TeamsAccountChanged)).OrderBy(e => e.Id).ToList()));
        var change = trail.Last(e => e.Action == Chaperone.Audit.AuditActions.TeamsSettingsChanged);
        Assert.Contains("replaced", change.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", change.Details, StringComparison.Ordinal);
        Assert.Contains(trail, e => e.Action == Chaperone.Audit.AuditActions.TeamsAccountChanged && e.Details!.Contains(user, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABookingAskingForTheOtherProviderIsRefusedUnlessTheSchoolAllowsBoth()
    {
        var school = await TestSchool.CreateAsync(app);
        await app.UseTeamsAsync(school);
        using var teacher = await school.TeacherAsync(app);
        var body = JsonSerializer.SerializeToElement(school.Booking(Thursday10));
        var withBuiltIn = body.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        withBuiltIn["provider"] = "builtin";

        var refused = await teacher.PostAsJsonAsync("/api/v1/sessions", withBuiltIn);

        Assert.Equal(["provider"], await Api.BadRequestFieldsAsync(refused));
        using var admin = await school.AdminAsync(app);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new { defaultProvider = "teams", allowPerSession = true })).EnsureSuccessStatusCode();
        var booked = await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/sessions", withBuiltIn), HttpStatusCode.Created);
        Assert.Equal("builtin", booked.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task ASchoolThatTurnsToTeamsGetsTeamsFromItsNextBookingOn()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var before = await Api.JsonAsync(await TestSchool.BookAsync(teacher, school.Booking(Thursday10)), HttpStatusCode.Created);

        await app.UseTeamsAsync(school);
        var after = await Api.JsonAsync(await TestSchool.BookAsync(teacher, school.Booking(Thursday10.AddHours(1))), HttpStatusCode.Created);
        using var admin = await school.AdminAsync(app);
        (await admin.PutAsJsonAsync("/api/v1/teams/settings", new { defaultProvider = "builtin" })).EnsureSuccessStatusCode();
        var back = await Api.JsonAsync(await TestSchool.BookAsync(teacher, school.Booking(Thursday10.AddHours(2))), HttpStatusCode.Created);

        Assert.Equal(["builtin", "teams", "builtin"], new[] { before, after, back }.Select(b => b.GetProperty("provider").GetString()));
    }

    [Fact]
    public async Task AfterTheSessionTheMeetingIsLockedSoItsLinkAdmitsNobodyUsefully()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));

        var outcome = await app.WithTeamsAsync(t => t.LockAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        Assert.IsType<TeamsOutcome.Done>(outcome);
        var lockPatch = app.Graph.Requests(user).Last(r => r.Method == "PATCH" && r.Path == GraphOnLoopback.P($"/users/{user}/onlineMeetings/{meetingId}"));
        var body = Body(lockPatch.Body);
        Assert.False(body.GetProperty("allowAttendeeToEnableCamera").GetBoolean());
        Assert.False(body.GetProperty("allowAttendeeToEnableMic").GetBoolean());
        Assert.Equal("organizer", body.GetProperty("lobbyBypassSettings").GetProperty("scope").GetString());
        var meeting = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/teams"), HttpStatusCode.OK);
        Assert.Equal("locked", meeting.GetProperty("state").GetString());
    }

    [Fact]
    public async Task AnotherSchoolsTeamsMeetingIsNotFound()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        app.Graph.ServeMeeting(user);
        using var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        var other = await TestSchool.CreateAsync(app);
        using var otherAdmin = await other.AdminAsync(app);

        var response = await otherAdmin.GetAsync($"/api/v1/sessions/{id}/teams");

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
    }
}

public sealed class TeamsMeetingApiOnSqlite(TeamsApp app) : TeamsMeetingApiTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsMeetingApiOnPostgres(PostgresTeamsApp app) : TeamsMeetingApiTests(app), IClassFixture<PostgresTeamsApp>;
