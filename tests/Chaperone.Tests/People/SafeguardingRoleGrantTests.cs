using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.People;

/// <summary>
/// The DSL and senior leader roles open safeguarding records, which the admin who manages people
/// does not read (DESIGN). Given to an existing account they are only offered: the owner of the
/// account's mailbox accepts them by choosing a new password. And nobody gains or loses them unseen:
/// the school's other DSLs and senior leaders are emailed every change.
/// </summary>
public abstract class SafeguardingRoleGrantTests(ChaperoneApp app)
{
    private static Task<HttpResponseMessage> SetRolesAsync(HttpClient admin, Guid staffId, params string[] roles) =>
        admin.PutAsJsonAsync($"/api/v1/staff/{staffId}/roles", new { roles });

    private Task<HttpResponseMessage> AcceptAsync(string grant, string token, string newPassword) =>
        app.CreateClient().PostAsJsonAsync("/api/v1/auth/accept-role", new { grant, token, newPassword });

    private static async Task<JsonElement> StaffAsync(HttpClient admin, Guid id) =>
        (await Api.JsonAsync(await admin.GetAsync("/api/v1/staff"), HttpStatusCode.OK)).EnumerateArray().Single(s => s.GetProperty("id").GetString() == id.ToString());

    /// <summary>The notices of changes to safeguarding roles in the school, by recipient address.</summary>
    private Task<List<(string To, string Subject)>> NoticesAsync(TestSchool school) =>
        app.WithDbAsync(async db => (await db.OutboxMessages.AsNoTracking()
            .Where(m => m.SchoolId == school.SchoolId && m.Kind == MessageKind.SafeguardingRoleChanged)
            .Select(m => new { m.RecipientEmail, m.Subject }).ToListAsync()).Select(m => (m.RecipientEmail, m.Subject)).ToList());

    private Task<List<string>> TrailAsync(TestSchool school) =>
        app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync());

    [Fact]
    public async Task AcceptingWithAWrongTokenAndAShortPasswordSaysBothAtOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        var (grant, _) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);

        var problem = await Api.ProblemAsync(await AcceptAsync(grant, "AAAA-not-the-token", "short"), HttpStatusCode.BadRequest);

        Assert.Equal(["newPassword", "token"], Api.ErrorFields(problem).Order(StringComparer.Ordinal));
        Assert.Contains("10 characters", problem.GetProperty("errors").GetProperty("newPassword")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["newPassword", "token"], (await Api.BadRequestFieldsAsync(await AcceptAsync(Guid.NewGuid().ToString(), "AAAA", "short"))).Order(StringComparer.Ordinal));
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(grant, "AAAA-not-the-token", "long enough to pass")));
    }

    [Fact]
    public async Task AnAdminWhoSetATeachersPasswordCannotReadConcernsThroughItByGivingItTheDslRole()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var concern = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;

        // The way round: the admin resets a teacher's password, signs in as them, chooses a password
        // of their own and sets up two-factor sign-in with an app of their own...
        var reset = await Api.JsonAsync(await admin.PostAsync($"/api/v1/staff/{school.OtherTeacherId}/password-reset", null), HttpStatusCode.OK);
        var asTeacher = await app.SignInAsync(school.OtherTeacherEmail, reset.GetProperty("initialPassword").GetString()!);
        const string adminsChoice = "the admin knows this one";
        Assert.Equal(HttpStatusCode.OK, (await asTeacher.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = reset.GetProperty("initialPassword").GetString(), newPassword = adminsChoice })).StatusCode);
        await EnrolAsync(app, school.OtherTeacherEmail);

        // ...then gives that account the DSL role: it is offered, not given.
        var offered = await Api.JsonAsync(await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl), HttpStatusCode.OK);
        Assert.Equal([Roles.Teacher], offered.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([Roles.Dsl], offered.GetProperty("pendingRoles").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(app.Clock.GetUtcNow().AddDays(7), offered.GetProperty("pendingRoles").GetProperty("until").GetDateTimeOffset());
        var before = await app.SignInAsync(school.OtherTeacherEmail, adminsChoice);
        var me = await Api.JsonAsync(await before.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
        Assert.Equal([Roles.Teacher], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(me.GetProperty("mayReadConcerns").GetBoolean());
        Assert.NotEqual(HttpStatusCode.OK, (await before.GetAsync($"/api/v1/concerns/{concern}")).StatusCode);
        Assert.DoesNotContain(concern, (await before.GetStringAsync("/api/v1/concerns")));

        // The owner of the mailbox accepts it with a password of their own.
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.Equal(["newPassword"], await Api.BadRequestFieldsAsync(await AcceptAsync(grant, token, "short")));
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(grant, token, "the teacher's very own")).StatusCode);

        // The admin's password no longer signs in, their sign-in has ended, and their authenticator app is of no use.
        await Api.ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.OtherTeacherEmail, password = adminsChoice }), HttpStatusCode.Unauthorized);
        await Api.ProblemAsync(await before.GetAsync("/api/v1/auth/me"), HttpStatusCode.Unauthorized);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
            var member = (await users.FindByEmailAsync(school.OtherTeacherEmail))!;
            Assert.False(await users.GetTwoFactorEnabledAsync(member));
            Assert.NotEqual(ChaperoneApp.DemoTotpSecret, await users.GetAuthenticatorKeyAsync(member));
            Assert.Equal(0, await users.CountRecoveryCodesAsync(member));
        }
        // The owner holds the role now, and sets up two-factor sign-in before reading anything.
        var owner = await app.SignInAsync(school.OtherTeacherEmail, "the teacher's very own");
        Assert.Equal([Roles.Teacher, Roles.Dsl], (await Api.JsonAsync(await owner.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var refused = await Api.ProblemAsync(await owner.GetAsync($"/api/v1/concerns/{concern}"), HttpStatusCode.Forbidden);
        Assert.Equal("https://chaperone.school/problems/two-factor-required", refused.GetProperty("type").GetString());
        await EnrolAsync(app, school.OtherTeacherEmail);
        Assert.Equal(HttpStatusCode.OK, (await (await app.SignInAsync(school.OtherTeacherEmail, "the teacher's very own")).GetAsync($"/api/v1/concerns/{concern}")).StatusCode);

        // The link works once; the staff list no longer shows the offer.
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(grant, token, "and once more again")));
        Assert.Equal(JsonValueKind.Null, (await StaffAsync(admin, school.OtherTeacherId)).GetProperty("pendingRoles").ValueKind);
        var trail = await TrailAsync(school);
        Assert.Contains(AuditActions.SafeguardingRoleOffered, trail);
        Assert.Contains(AuditActions.SafeguardingRoleAccepted, trail);
    }

    [Fact]
    public async Task EveryOtherDslAndSeniorLeaderIsEmailedWhoWasGivenOrLostWhichRoleByWhom()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Slt)).StatusCode);
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(grant, token, "a leader's own password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.SltId, Roles.Teacher)).StatusCode);
        var email = $"new.dsl.{Guid.NewGuid():N}@school.test";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/staff", new { name = "New Lead", email, roles = new[] { Roles.Dsl }, invite = true })).StatusCode);

        var notices = await NoticesAsync(school);
        // The DSL is told of each: the offer, its acceptance, the senior leader's role taken away, the new DSL's account.
        var toDsl = notices.Where(n => n.To == school.DslEmail).Select(n => n.Subject).ToList();
        Assert.Equal(4, toDsl.Count);
        Assert.Contains(toDsl, s => s.Contains("is offered the senior leader role", StringComparison.Ordinal));
        Assert.Contains(toDsl, s => s.Contains("now holds the senior leader role", StringComparison.Ordinal));
        Assert.Contains(toDsl, s => s.Contains("no longer holds the senior leader role", StringComparison.Ordinal));
        Assert.Contains(toDsl, s => s.Contains("New Lead is given the DSL role", StringComparison.Ordinal));
        // The senior leader was told while they held the role; the new leader from when they did; nobody of their own change; not the admin, who holds neither role.
        Assert.Equal(2, notices.Count(n => n.To == school.SltEmail));
        Assert.Equal(2, notices.Count(n => n.To == school.OtherTeacherEmail));
        Assert.DoesNotContain(notices, n => n.To == school.AdminEmail || n.To == email || n.To == school.TeacherEmail);
        var mime = await app.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.SchoolId == school.SchoolId && m.Kind == MessageKind.SafeguardingRoleChanged && m.RecipientEmail == school.DslEmail && m.Subject.Contains("is offered"))
            .Select(m => m.Mime!).SingleAsync());
        using var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(mime)));
        var body = (message.TextBody ?? "").ReplaceLineEndings(" ");
        Assert.Contains($"admin {school.AdminEmail.Split('.', '@')[1]} gave teacher2", body, StringComparison.Ordinal);
        Assert.Contains(school.OtherTeacherEmail, body, StringComparison.Ordinal);
        Assert.Equal(4, (await TrailAsync(school)).Count(a => a == AuditActions.SafeguardingRoleChangeNotified));
    }

    [Fact]
    public async Task AnOfferCanBeWithdrawnAndRunsOutWithTheInvitationsLifetime()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Task<HttpResponseMessage> WithdrawAsync(HttpClient client, Guid id) => client.DeleteAsync($"/api/v1/staff/{id}/pending-roles");

        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        // Only the school's own admin withdraws it.
        await Api.ProblemAsync(await WithdrawAsync(await other.AdminAsync(app), school.OtherTeacherId), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await WithdrawAsync(admin, Guid.NewGuid()), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await WithdrawAsync(await school.TeacherAsync(app), school.OtherTeacherId)).StatusCode);
        var withdrawn = await Api.JsonAsync(await WithdrawAsync(admin, school.OtherTeacherId), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, withdrawn.GetProperty("pendingRoles").ValueKind);
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(grant, token, "too late for this")));
        Assert.Contains(await NoticesAsync(school), n => n.To == school.DslEmail && n.Subject.Contains("is withdrawn", StringComparison.Ordinal));

        // Saving the roles without it withdraws an offer too; with it, a new one leaves a running offer as it is.
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        var (again, againToken) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.NotEqual(grant, again);
        Assert.Equal(2, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.RecipientEmail == school.OtherTeacherEmail && m.Subject.Contains("Accept the"))));

        // Seven days on, the link has run out; the staff list still shows the offer, run out.
        app.Clock.Advance(ClockResetTokenLifespan + TimeSpan.FromMinutes(1));
        admin = await school.AdminAsync(app);
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(again, againToken, "too late for this")));
        var runOut = (await StaffAsync(admin, school.OtherTeacherId)).GetProperty("pendingRoles");
        Assert.True(runOut.GetProperty("until").GetDateTimeOffset() < app.Clock.GetUtcNow());
        Assert.Equal([Roles.Teacher], (await StaffAsync(admin, school.OtherTeacherId)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        // Saving the roles again offers it afresh, with a new link that works.
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        var (fresh, freshToken) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(fresh, freshToken, "in good time now")).StatusCode);
        Assert.Contains(Roles.Dsl, (await StaffAsync(admin, school.OtherTeacherId)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    private static readonly TimeSpan ClockResetTokenLifespan = Chaperone.Identity.ClockResetTokenProvider.InvitationLifespan;

    [Fact]
    public async Task ANewAddressVoidsTheOfferAndItsLinkGoesToTheNewOne()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Slt)).StatusCode);
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        var moved = $"moved.{Guid.NewGuid():N}@school.test";

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}", new { name = "Moved Teacher", email = moved, roles = new[] { Roles.Teacher, Roles.Slt } })).StatusCode);

        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(grant, token, "the old address's")));
        var (fresh, freshToken) = await StaffInvitations.RoleOfferAsync(app, moved);
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(fresh, freshToken, "the new address's")).StatusCode);
    }

    [Fact]
    public async Task AStaffImportLeavesAnExistingAccountsRolesAndTellsTheLeadersOfANewDsl()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var email = $"imported.dsl.{Guid.NewGuid():N}@school.test";
        var csv = $"Name,Email,Roles\nAnn Teacher,{school.OtherTeacherEmail},Teacher; Dsl\nIm Ported,{email},Dsl\n";

        var imported = await Api.JsonAsync(await Api.PostRawAsync(admin, "/api/v1/staff/import", csv, "text/csv"), HttpStatusCode.OK);

        Assert.Equal((1, 1), (imported.GetProperty("added").GetInt32(), imported.GetProperty("found").GetInt32()));
        var existing = await StaffAsync(admin, school.OtherTeacherId);
        Assert.Equal([Roles.Teacher], existing.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(JsonValueKind.Null, existing.GetProperty("pendingRoles").ValueKind);
        Assert.Contains(await NoticesAsync(school), n => n.To == school.SltEmail && n.Subject.Contains("Im Ported is given the DSL role", StringComparison.Ordinal));
    }

    /// <summary>The DSL leaves: the admin ends their access, as when someone leaves the school.</summary>
    private async Task<(HttpClient Admin, Guid DslId, string Concern)> DslWhoLeftAsync(TestSchool school)
    {
        var admin = await school.AdminAsync(app);
        var concern = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;
        var dslId = await app.WithDbAsync(db => db.Users.Where(u => u.Email == school.DslEmail).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = false })).StatusCode);
        return (admin, dslId, concern);
    }

    /// <summary>Restored, the account holds no role that opens safeguarding records until its owner accepts it; the leaders were told and it is in the trail.</summary>
    private async Task AssertOfferedNotHeldAsync(TestSchool school, string concern)
    {
        // The password the account had (which an admin may have set meanwhile) signs in, but reads no concern.
        var before = await app.SignInAsync(school.DslEmail, TestSchool.Password);
        var me = await Api.JsonAsync(await before.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK);
        Assert.DoesNotContain(Roles.Dsl, me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(me.GetProperty("mayReadConcerns").GetBoolean());
        Assert.NotEqual(HttpStatusCode.OK, (await before.GetAsync($"/api/v1/concerns/{concern}")).StatusCode);

        // The senior leader is told; the owner is emailed the offer, filed as one.
        var told = Assert.Single(await NoticesAsync(school), n => n.To == school.SltEmail && n.Subject.Contains("has access again", StringComparison.Ordinal));
        Assert.Contains("is offered the DSL role", told.Subject, StringComparison.Ordinal);
        var trail = await TrailAsync(school);
        Assert.Contains(AuditActions.StaffAccessRestored, trail);
        Assert.Contains(AuditActions.SafeguardingRoleOffered, trail);
        Assert.Contains(AuditActions.SafeguardingRoleChangeNotified, trail);

        // The owner of the mailbox accepts it with a password of their own, and holds it again.
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.DslEmail);
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(grant, token, "the returning lead's own")).StatusCode);
        await Api.ProblemAsync(await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = school.DslEmail, password = TestSchool.Password }), HttpStatusCode.Unauthorized);
        await EnrolAsync(app, school.DslEmail);
        var owner = await app.SignInAsync(school.DslEmail, "the returning lead's own");
        Assert.Equal([Roles.Dsl], (await Api.JsonAsync(await owner.GetAsync("/api/v1/auth/me"), HttpStatusCode.OK)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/concerns/{concern}")).StatusCode);
    }

    [Fact]
    public async Task RestoringALeaverWhoHeldTheDslRoleOnlyOffersItAgainAndTellsTheLeaders()
    {
        var school = await TestSchool.CreateAsync(app);
        var (admin, dslId, concern) = await DslWhoLeftAsync(school);

        var restored = await Api.JsonAsync(await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = true }), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, restored.GetProperty("accessEndedAt").ValueKind);
        Assert.Empty(restored.GetProperty("roles").EnumerateArray());
        Assert.Equal([Roles.Dsl], restored.GetProperty("pendingRoles").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await AssertOfferedNotHeldAsync(school, concern);
    }

    [Fact]
    public async Task RestoringALeaverWhoWasOnlyOfferedTheDslRoleOffersItAfreshAndTellsTheLeaders()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);
        var (oldGrant, oldToken) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/access", new { active = false })).StatusCode);
        var toldBefore = (await NoticesAsync(school)).Count(n => n.Subject.Contains("has access again", StringComparison.Ordinal));

        var restored = await Api.JsonAsync(await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/access", new { active = true }), HttpStatusCode.OK);

        Assert.Equal([Roles.Teacher], restored.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal([Roles.Dsl], restored.GetProperty("pendingRoles").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(app.Clock.GetUtcNow(), restored.GetProperty("pendingRoles").GetProperty("since").GetDateTimeOffset());
        // The leaders are told; the old link no longer works, and a new one is emailed to them.
        Assert.Equal(0, toldBefore);
        Assert.Contains(await NoticesAsync(school), n => n.To == school.SltEmail && n.Subject.Contains("has access again and is offered the DSL role", StringComparison.Ordinal));
        Assert.Contains(await NoticesAsync(school), n => n.To == school.DslEmail && n.Subject.Contains("has access again and is offered the DSL role", StringComparison.Ordinal));
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await AcceptAsync(oldGrant, oldToken, "the returning teacher's own")));
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.OtherTeacherEmail);
        Assert.NotEqual(oldGrant, grant);
        Assert.Equal(HttpStatusCode.NoContent, (await AcceptAsync(grant, token, "the returning teacher's own")).StatusCode);
        Assert.Contains(AuditActions.StaffAccessRestored, await TrailAsync(school));
    }

    [Fact]
    public async Task RestoringALeaverOnTheStaffPageSaysTheRoleAwaitsAcceptanceAndShowsIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var (admin, _, concern) = await DslWhoLeftAsync(school);
        var restoredAt = app.Clock.GetUtcNow();

        // The form answers with the staff page again (a redirect, which the client follows without its bearer token: asked for again here).
        await PageForms.SendAsync(admin, "/admin/people", "RestoreAccess");
        var page = WebUtility.HtmlDecode(await admin.GetStringAsync("/admin/people"));

        Assert.Contains("has access again. The DSL role they held or had been offered is not theirs again until they accept it through the link emailed to " + school.DslEmail, page, StringComparison.Ordinal);
        Assert.Contains($"DSL role awaiting acceptance by email since {Chaperone.Pages.Display.At(restoredAt, Api.London)}", page, StringComparison.Ordinal);
        await AssertOfferedNotHeldAsync(school, concern);
    }

    [Fact]
    public async Task TheStaffPageShowsTheRoleAwaitingAcceptanceAndOffersToWithdrawIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var offeredAt = app.Clock.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await SetRolesAsync(admin, school.OtherTeacherId, Roles.Teacher, Roles.Dsl)).StatusCode);

        var page = WebUtility.HtmlDecode(await admin.GetStringAsync("/admin/people"));

        Assert.Contains($"DSL role awaiting acceptance by email since {Chaperone.Pages.Display.At(offeredAt, Api.London)}", page, StringComparison.Ordinal);
        Assert.Contains("Withdraw the role offered", page, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "data-pending-roles"));
        // Editing them keeps the role offered ticked, so that saving their details leaves the offer as it is.
        var editing = WebUtility.HtmlDecode(await admin.GetStringAsync($"/admin/people?staff={school.OtherTeacherId}"));
        Assert.Matches("id=\"staff-role-dsl\" name=\"StaffRoles\" value=\"Dsl\" checked", editing);
    }

    [Fact]
    public async Task AdminsOfferingAndWithdrawingAtOnceAreTakenInTurnAndLeaveOneOfferOrNone()
    {
        var school = await TestSchool.CreateAsync(app);
        var (first, second) = (await school.AdminAsync(app), await school.AdminAsync(app));
        for (var round = 0; round < 3; round++)
        {
            var answers = await Task.WhenAll(
                SetRolesAsync(first, school.OtherTeacherId, Roles.Teacher, Roles.Dsl),
                SetRolesAsync(second, school.OtherTeacherId, Roles.Teacher, Roles.Slt),
                first.DeleteAsync($"/api/v1/staff/{school.OtherTeacherId}/pending-roles"),
                second.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}", new { name = "Renamed Teacher", email = school.OtherTeacherEmail, roles = new[] { Roles.Teacher, Roles.Dsl } }));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
            var offers = await app.WithDbAsync(db => db.Set<PendingRoleGrant>().AsNoTracking().Where(g => g.StaffId == school.OtherTeacherId).CountAsync());
            Assert.InRange(offers, 0, 1);
            var staff = await StaffAsync(first, school.OtherTeacherId);
            Assert.Equal([Roles.Teacher], staff.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(offers == 1, staff.GetProperty("pendingRoles").ValueKind == JsonValueKind.Object);
        }
    }
}

public sealed class SafeguardingRoleGrantsOnSqlite(ChaperoneApp app) : SafeguardingRoleGrantTests(app), IClassFixture<ChaperoneApp>;

public sealed class SafeguardingRoleGrantsOnPostgres(PostgresChaperoneApp app) : SafeguardingRoleGrantTests(app), IClassFixture<PostgresChaperoneApp>;
