using System.Net;
using System.Net.Http.Json;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.People;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.People;

/// <summary>
/// A member of staff who leaves: the admin ends their access, which ends their sign-ins and
/// refuses new ones as if the account did not exist; the records keep them. And a forgotten
/// password or a lockout: the admin gives a new one-time password.
/// </summary>
public abstract class StaffAccessApiTests(ChaperoneApp app)
{
    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    private static Task<HttpResponseMessage> SetAccessAsync(HttpClient admin, Guid staffId, object body) =>
        admin.PutAsJsonAsync($"/api/v1/staff/{staffId}/access", body);

    [Fact]
    public async Task EndingALeaversAccessEndsTheirSignInsAndRefusesNewOnesUntilItIsRestored()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/policy")).StatusCode);

        var ended = await Api.JsonAsync(await SetAccessAsync(admin, school.TeacherId, new { active = false }), HttpStatusCode.OK);
        Assert.Equal(app.Clock.GetUtcNow(), ended.GetProperty("accessEndedAt").GetDateTimeOffset());

        // The token they hold is refused at once; signing in again is answered as for an address with no account.
        var refused = await Api.ProblemAsync(await teacher.GetAsync("/api/v1/policy"), HttpStatusCode.Unauthorized);
        Assert.Equal("Your access has ended.", refused.GetProperty("title").GetString());
        var client = app.CreateClient();
        var login = await Api.ProblemAsync(await LoginAsync(client, school.TeacherEmail, TestSchool.Password), HttpStatusCode.Unauthorized);
        var nobody = await Api.ProblemAsync(await LoginAsync(client, $"nobody.{Guid.NewGuid():N}@school.test", TestSchool.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(nobody.GetProperty("detail").GetString(), login.GetProperty("detail").GetString());

        // The staff list says so; the school's trail holds the ending and the try.
        var staff = await Api.JsonAsync(await admin.GetAsync("/api/v1/staff"), HttpStatusCode.OK);
        Assert.Contains(staff.EnumerateArray(), s => s.GetProperty("email").GetString() == school.TeacherEmail && s.GetProperty("accessEndedAt").ValueKind != System.Text.Json.JsonValueKind.Null);
        var trail = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => new { e.Action, e.Details }).ToListAsync());
        Assert.Contains(trail, e => e.Action == AuditActions.StaffAccessEnded);
        Assert.Contains(trail, e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("access ended", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await SetAccessAsync(admin, school.TeacherId, new { active = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, school.TeacherEmail, TestSchool.Password)).StatusCode);
        Assert.Contains(await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()),
            a => a == AuditActions.StaffAccessRestored);
    }

    [Fact]
    public async Task ALeaverCannotBeBookedToHostAndTheSlotFinderOffersThemNothing()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await SetAccessAsync(admin, school.TeacherId, new { active = false })).StatusCode);
        var start = CallClient.NextSessionStart(app);

        var refused = await TestSchool.BookAsync(admin, school.Booking(start));
        Assert.Contains((4, "teacher-host"), await Api.ViolationsAsync(refused));
        var slots = await Api.JsonAsync(await admin.GetAsync($"/api/v1/slots?teacherId={school.TeacherId}&pupilIds={school.TwoParentPupil}&guardianIds={school.Mother}"
            + $"&from={start:yyyy-MM-dd}&to={start.AddDays(7):yyyy-MM-dd}&durationMinutes=30"), HttpStatusCode.OK);
        Assert.Empty(slots.GetProperty("slots").EnumerateArray());
        var violation = Assert.Single(slots.GetProperty("violations").EnumerateArray());
        Assert.Equal(4, violation.GetProperty("clause").GetInt32());
        Assert.Equal("teacher-host", violation.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task ALeaverInACallIsRefusedAndDisconnectedAtTheirNextAction()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        var bearer = CallClient.Bearer(await school.TeacherAsync(app));
        // Over a WebSocket, as a browser's console holds it: one request, authenticated once, at the start.
        await using var teacher = new Microsoft.AspNetCore.SignalR.Client.HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, Chaperone.Calls.CallHub.Path), o =>
            {
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) =>
                {
                    var client = app.Server.CreateWebSocketClient();
                    client.ConfigureRequest = r => r.Headers.Authorization = "Bearer " + bearer;
                    return await client.ConnectAsync(context.Uri, ct);
                };
            })
            .Build();
        await teacher.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True((await teacher.InvokeAsync<HubReply>("Host", id).WaitAsync(TimeSpan.FromSeconds(15))).Ok);

        Assert.Equal(HttpStatusCode.OK, (await SetAccessAsync(await school.AdminAsync(app), school.TeacherId, new { active = false })).StatusCode);

        // The action is not done, and the connection is closed: the console is out of the call.
        await Assert.ThrowsAnyAsync<Exception>(() => teacher.InvokeAsync<HubReply>("ConfirmRoom").WaitAsync(TimeSpan.FromSeconds(15)));
        var rooms = app.Services.GetRequiredService<Chaperone.Calls.RoomRegistry>();
        var until = DateTime.UtcNow.AddSeconds(15);
        while (teacher.State != HubConnectionState.Disconnected || rooms.Find(Guid.Parse(id))?.Room.TeacherConnected == true)
        {
            Assert.True(DateTime.UtcNow < until, "The leaver's connection stayed open, or in the room.");
            await Task.Delay(20);
        }
        var events = await app.WithDbAsync(db => db.Set<Chaperone.Calls.CallEventRecord>().AsNoTracking().Where(e => e.SessionId == Guid.Parse(id)).Select(e => e.Kind).ToListAsync());
        Assert.DoesNotContain(Chaperone.Calls.RoomEvents.RoomChecked, events);
    }

    [Fact]
    public async Task AnotherInstanceRefusesAnEndedAccountsTokenWithinHalfAMinute()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        await using var other = await app.AnotherInstanceAsync();
        var there = other.CreateClient();
        there.DefaultRequestHeaders.Authorization = teacher.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await there.GetAsync("/api/v1/policy")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SetAccessAsync(await school.AdminAsync(app), school.TeacherId, new { active = false })).StatusCode);

        other.Clock.Advance(StaffAccess.Recheck);
        await Api.ProblemAsync(await there.GetAsync("/api/v1/policy"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AccessIsSetOnlyForStaffOfTheSchoolSaidPlainlyAndNeverOnesOwn()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        Assert.Equal(["active"], await Api.BadRequestFieldsAsync(await SetAccessAsync(admin, school.AdminId, new { active = false })));
        Assert.Equal(["active"], await Api.BadRequestFieldsAsync(await SetAccessAsync(admin, school.TeacherId, new { })));
        await Api.ProblemAsync(await SetAccessAsync(admin, other.TeacherId, new { active = false }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await admin.PostAsync($"/api/v1/staff/{other.TeacherId}/password-reset", null), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await admin.PostAsync("/api/v1/staff/not-an-id/password-reset", null), HttpStatusCode.NotFound);
        var teacher = await school.TeacherAsync(app);
        Assert.Equal(HttpStatusCode.Forbidden, (await SetAccessAsync(teacher, school.OtherTeacherId, new { active = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null)).StatusCode);
        // Nothing changed.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(app.CreateClient(), school.OtherTeacherEmail, TestSchool.Password)).StatusCode);
    }

    [Fact]
    public async Task APasswordResetGivesANewOneTimePasswordAndLiftsALockout()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            await LoginAsync(client, school.OtherTeacherEmail, "not-the-password");
        }
        var locked = await Api.ProblemAsync(await LoginAsync(client, school.OtherTeacherEmail, TestSchool.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(AuthEndpoints.LockedOut, locked.GetProperty("detail").GetString());

        var reset = await Api.JsonAsync(await (await school.AdminAsync(app)).PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null), HttpStatusCode.OK);
        var password = reset.GetProperty("initialPassword").GetString()!;
        Assert.Equal(school.OtherTeacherEmail, reset.GetProperty("staff").GetProperty("email").GetString());

        await Api.ProblemAsync(await LoginAsync(client, school.OtherTeacherEmail, TestSchool.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, school.OtherTeacherEmail, password)).StatusCode);
        Assert.Contains(await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()),
            a => a == AuditActions.StaffPasswordReset);
    }

    [Fact]
    public async Task AnAccountThatOpensSafeguardingRecordsGetsItsPasswordByEmailNeverThroughTheAdmin()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var email = $"new.dsl.{Guid.NewGuid():N}@school.test";

        // A new DSL or senior leader is invited: no one-time password is shown to the admin.
        foreach (var role in new[] { Roles.Dsl, Roles.Slt })
        {
            var refused = await admin.PostAsJsonAsync("/api/v1/staff", new { name = "New Lead", email, roles = new[] { Roles.Teacher, role } });
            Assert.Equal(["invite"], await Api.BadRequestFieldsAsync(refused));
        }
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        var invited = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name = "New Lead", email, roles = new[] { Roles.Dsl }, invite = true }), System.Net.HttpStatusCode.Created);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, invited.GetProperty("initialPassword").ValueKind);
        var (user, token) = await StaffInvitations.LinkAsync(app, email);
        Assert.True((await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword = "the lead's own choice" })).IsSuccessStatusCode);

        // A senior leader's password reset by the admin is a link emailed to them; their password stays until they use it.
        var before = await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.RecipientId == school.SltId && m.Kind == Chaperone.Notifications.MessageKind.PasswordReset));
        var reset = await Api.JsonAsync(await admin.PostAsync($"/api/v1/staff/{school.SltId}/password-reset", null), System.Net.HttpStatusCode.OK);
        await app.PasswordLinkRequestsDoneAsync();

        Assert.Equal(System.Text.Json.JsonValueKind.Null, reset.GetProperty("initialPassword").ValueKind);
        Assert.Equal(before + 1, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.RecipientId == school.SltId && m.Kind == Chaperone.Notifications.MessageKind.PasswordReset)));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<StaffMember>>();
            Assert.True(await users.CheckPasswordAsync((await users.FindByIdAsync(school.SltId.ToString()))!, TestSchool.Password));
        }
        // A teacher's reset still hands the admin a one-time password.
        var teacher = await Api.JsonAsync(await admin.PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null), HttpStatusCode.OK);
        Assert.StartsWith("cp-", teacher.GetProperty("initialPassword").GetString());
    }

    [Fact]
    public async Task AnAdminCancelsTheUpcomingSessionsOfALeaverWithAReasonForTheFamilies()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var teacher = await school.TeacherAsync(app);
        var leaversSessions = new[]
        {
            await TestSchool.BookOkAsync(teacher, school.Booking(start)),
            await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(2))),
        };
        var othersSession = await TestSchool.BookOkAsync(await school.OtherTeacherAsync(app), school.Booking(start.AddHours(1), teacher: school.OtherTeacherId));
        var admin = await school.AdminAsync(app);
        Task<HttpResponseMessage> CancelAsync(HttpClient client, Guid staff, string? reason) =>
            client.PostAsJsonAsync($"/api/v1/staff/{staff}/cancel-upcoming-sessions", new { reason });

        // Only a leaver's, only by an admin, only with a reason.
        Assert.Equal(["access"], await Api.BadRequestFieldsAsync(await CancelAsync(admin, school.TeacherId, "They left.")));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.TeacherId}/access", new { active = false })).StatusCode);
        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(await CancelAsync(admin, school.TeacherId, " ")));
        await Api.ProblemAsync(await CancelAsync(admin, Guid.NewGuid(), "They left."), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await CancelAsync(await school.SltAsync(app), school.TeacherId, "They left.")).StatusCode);

        var done = await Api.JsonAsync(await CancelAsync(admin, school.TeacherId, "Their teacher has left the school."), HttpStatusCode.OK);

        Assert.Equal(leaversSessions.Order(), done.GetProperty("cancelled").EnumerateArray().Select(e => e.GetString()!).Order());
        Assert.Equal(0, done.GetProperty("notCancelled").GetArrayLength());
        var statuses = await app.WithDbAsync(db => db.Sessions.AsNoTracking().Where(s => s.SchoolId == school.SchoolId)
            .Select(s => new { s.Id, s.Status, s.CancellationReason }).ToListAsync());
        var leavers = statuses.Where(s => leaversSessions.Contains(s.Id.ToString())).ToList();
        Assert.Equal(2, leavers.Count);
        Assert.All(leavers, s => Assert.Equal((Chaperone.Scheduling.SessionStatus.Cancelled, "Their teacher has left the school."), (s.Status, s.CancellationReason)));
        Assert.Equal(Chaperone.Scheduling.SessionStatus.Scheduled, statuses.Single(s => s.Id.ToString() == othersSession).Status);
        // Done already: nothing left to cancel.
        Assert.Equal(0, (await Api.JsonAsync(await CancelAsync(admin, school.TeacherId, "Their teacher has left the school."), HttpStatusCode.OK)).GetProperty("cancelled").GetArrayLength());
    }

    [Fact]
    public async Task APasswordResetOrNewRolesEndTheSignInsMadeBefore()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        var slt = await school.SltAsync(app);
        await using var other = await app.AnotherInstanceAsync();
        var sltThere = other.CreateClient();
        sltThere.DefaultRequestHeaders.Authorization = slt.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sltThere.GetAsync("/api/v1/sessions")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/staff/{school.TeacherId}/password-reset", null)).StatusCode);
        var ended = await Api.ProblemAsync(await teacher.GetAsync("/api/v1/sessions"), HttpStatusCode.Unauthorized);
        Assert.Equal("https://chaperone.school/problems/sign-in-ended", ended.GetProperty("type").GetString());

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.SltId}/roles", new { roles = new[] { "Teacher" } })).StatusCode);
        await Api.ProblemAsync(await slt.GetAsync("/api/v1/sessions"), HttpStatusCode.Unauthorized);
        // On another instance, within the time it remembers an account's standing.
        Assert.Equal(HttpStatusCode.OK, (await sltThere.GetAsync("/api/v1/sessions")).StatusCode);
        other.Clock.Advance(StaffAccess.Recheck);
        await Api.ProblemAsync(await sltThere.GetAsync("/api/v1/sessions"), HttpStatusCode.Unauthorized);
        // Signing in again carries the new roles.
        var me = await Api.JsonAsync(await (await school.SltAsync(app)).GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
        Assert.Equal(["Teacher"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        // Setting the roles it has already changes nothing.
        var teacherAgain = await school.OtherTeacherAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/roles", new { roles = new[] { "Teacher" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacherAgain.GetAsync("/api/v1/sessions")).StatusCode);
    }

    [Fact]
    public async Task AnAdminCannotGiveThemselvesTheDslOrSeniorLeaderRoleNorDropTheirOwnAdminRole()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        foreach (var (roles, says) in new[] { (new[] { "Admin", "Dsl" }, "DSL"), (new[] { "Admin", "Slt" }, "senior leader"), (new[] { "Teacher" }, "admin role away") })
        {
            var refused = await Api.ProblemAsync(await admin.PutAsJsonAsync($"/api/v1/staff/{school.AdminId}/roles", new { roles }), HttpStatusCode.BadRequest);
            Assert.Equal(["roles"], Api.ErrorFields(refused));
            Assert.Contains(says, refused.GetProperty("errors").GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
        }
        var me = await Api.JsonAsync(await admin.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
        Assert.Equal(["Admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        // A role left empty is refused on its field, for anyone.
        foreach (var id in new[] { school.AdminId, school.OtherTeacherId })
        {
            var empty = await Api.ProblemAsync(await admin.PutAsJsonAsync($"/api/v1/staff/{id}/roles", new { roles = new[] { "Admin", null } }), HttpStatusCode.BadRequest);
            Assert.Contains("A role is left empty", empty.GetProperty("errors").GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(["roles"], await Api.BadRequestFieldsAsync(await admin.PostAsJsonAsync("/api/v1/staff", new { name = "New Teacher", email = "new.teacher@school.test", roles = new[] { "" } })));

        // Another member of staff may be given either (offered by email: SafeguardingRoleGrantTests); and an admin may give themselves the Teacher role.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/roles", new { roles = new[] { "Teacher", "Dsl" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.AdminId}/roles", new { roles = new[] { "Admin", "Teacher" } })).StatusCode);
    }

    [Fact]
    public async Task StaffWithAPasswordAnAdminSetChooseTheirOwnBeforeTheApiOpens()
    {
        var school = await TestSchool.CreateAsync(app);
        var reset = await Api.JsonAsync(await (await school.AdminAsync(app)).PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null), HttpStatusCode.OK);
        var password = reset.GetProperty("initialPassword").GetString()!;
        var teacher = await app.SignInAsync(school.OtherTeacherEmail, password);

        var refused = await Api.ProblemAsync(await teacher.GetAsync("/api/v1/sessions"), HttpStatusCode.Forbidden);
        Assert.Equal("https://chaperone.school/problems/password-change-required", refused.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/auth/me")).StatusCode);

        var changed = await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = password, newPassword = "a password of their own" }), HttpStatusCode.OK);
        // They carry on with the token the change answers with.
        teacher.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", changed.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync("/api/v1/sessions")).StatusCode);
    }
}

public sealed class StaffAccessApiOnSqlite(ChaperoneApp app) : StaffAccessApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class StaffAccessApiOnPostgres(PostgresChaperoneApp app) : StaffAccessApiTests(app), IClassFixture<PostgresChaperoneApp>;
