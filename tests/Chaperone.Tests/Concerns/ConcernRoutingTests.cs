using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Concerns;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Concerns;

/// <summary>
/// Clause 12's routing, on each database, with a real SMTP server on loopback and a real SignalR
/// client on the staff hub: a safeguarding concern reaches the DSL at once by alert and by an
/// email that carries none of its content; nobody acknowledging means escalation to the head;
/// acknowledging stops it; a mail server that is down stops neither.
/// </summary>
public abstract class ConcernRoutingTests(SmtpChaperoneApp app)
{
    private static readonly string[] Content = ["SUMMARY-MARK", "DETAIL-MARK", "WORDS-MARK", "Toby", "Twoparents", "Bruise", "bruise", "Dad grabbed"];

    private static string Text(MimeMessage m) => m.Subject + "\n" + m.TextBody + "\n" + m.HtmlBody;

    private async Task<JsonElement> ConcernAsync(HttpClient reader, string id) =>
        await Api.JsonAsync(await reader.GetAsync($"/api/v1/concerns/{id}"), HttpStatusCode.OK);

    private async Task NameHeadAsync(TestSchool school, int minutes = 15)
    {
        var admin = await school.AdminAsync(app);
        await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/concerns/settings",
            new { acknowledgeWithinMinutes = minutes, headteacherId = school.SltId.ToString(), behaviourLeadId = (string?)null }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ASafeguardingConcernReachesTheDslAtOnceByLiveAlertAndByAnEmailWithoutItsContent()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        await using var hub = await StaffHubClient.ConnectAsync(app, dsl);

        var raised = await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        var id = raised.GetProperty("id").GetString()!;

        var alert = await hub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id);
        Assert.Equal("safeguarding", alert.GetProperty("kind").GetString());
        Assert.Contains("teacher", alert.GetProperty("raisedBy").GetString());
        Assert.Equal($"/concerns/{id}", alert.GetProperty("url").GetString());
        // The open page shows when, as the inbox does: in the school's zone, not the browser's.
        Assert.Equal(Chaperone.Pages.Display.At(alert.GetProperty("at").GetDateTimeOffset(), NodaTime.DateTimeZoneProviders.Tzdb["Europe/London"]),
            alert.GetProperty("atLocal").GetString());
        Assert.DoesNotContain(Content, c => alert.ToString().Contains(c, StringComparison.Ordinal));

        var mail = (await app.Smtp.WaitForAsync(r => r.Any(m => m.To.Mailboxes.Any(b => b.Address == school.DslEmail))))
            .Single(m => m.To.Mailboxes.Any(b => b.Address == school.DslEmail));
        Assert.Contains("safeguarding concern", mail.Subject);
        Assert.Contains(raised.GetProperty("reference").GetString()!, Text(mail));
        Assert.Contains("teacher", mail.TextBody);
        Assert.Contains($"/concerns/{id}", mail.TextBody);
        Assert.DoesNotContain(Content, c => Text(mail).Contains(c, StringComparison.Ordinal));
        // Nobody else was told: the senior leader reads behaviour concerns only.
        Assert.DoesNotContain(app.Smtp.Received, m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail));

        var concern = await ConcernAsync(dsl, id);
        Assert.Equal(["raised", "alert-sent", "email-queued"], EntryTypes(concern));
        Assert.Equal("Toby Twoparents", concern.GetProperty("pupils")[0].GetProperty("name").GetString());
        Assert.Matches(@"^C-\d{4}$", concern.GetProperty("reference").GetString()!);
    }

    [Fact]
    public async Task AConcernNeverGoesToADslWhoseAccessHasEnded()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var dslId = await app.WithDbAsync(db => db.Users.Where(u => u.Email == school.DslEmail).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = false })).StatusCode);

        // The concerns' alerts to the DSL (not the offer of their role, below).
        Task<int> ToDslAsync() => app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.RecipientEmail == school.DslEmail
            && (m.Kind == Chaperone.Notifications.MessageKind.ConcernRaised || m.Kind == Chaperone.Notifications.MessageKind.ConcernEscalated)));

        await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        Assert.Equal(0, await ToDslAsync());

        // With access again, not before they accept the DSL role offered to them again...
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = true })).StatusCode);
        await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        Assert.Equal(0, await ToDslAsync());
        // ...and once they have, the next one reaches them.
        var (grant, token) = await StaffInvitations.RoleOfferAsync(app, school.DslEmail);
        Assert.Equal(HttpStatusCode.NoContent, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/accept-role", new { grant, token, newPassword = "the returning lead's own" })).StatusCode);
        await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        Assert.Equal(1, await ToDslAsync());
    }

    [Fact]
    public async Task WithNobodyInTheDslRoleASafeguardingConcernGoesStraightToTheHeadteacher()
    {
        var school = await TestSchool.CreateAsync(app);
        await NameHeadAsync(school, minutes: 15);
        var admin = await school.AdminAsync(app);
        var dslId = await app.WithDbAsync(db => db.Users.Where(u => u.Email == school.DslEmail).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{dslId}/access", new { active = false })).StatusCode);
        var slt = await school.SltAsync(app);
        await using var headHub = await StaffHubClient.ConnectAsync(app, slt);
        var teacher = await school.TeacherAsync(app);

        // No worker pass and no time passing: the head hears at once, not after the fifteen minutes.
        var id = (await RaiseAsync(teacher, Safeguarding(school))).GetProperty("id").GetString()!;

        var alert = await headHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id);
        Assert.True(alert.GetProperty("escalated").GetBoolean());
        var toHead = await app.Smtp.WaitForAsync(r => r.Any(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail)));
        Assert.DoesNotContain(Content, c => toHead.Where(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail)).Any(m => Text(m).Contains(c, StringComparison.Ordinal)));
        var escalated = await app.WithDbAsync(db => db.Set<ConcernEntry>().Where(e => e.ConcernId == Guid.Parse(id) && e.Type == "escalated").Select(e => e.Text).SingleAsync());
        Assert.StartsWith("Nobody in the school holds the DSL role: escalated at once to the headteacher", escalated, StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.RecipientEmail == school.DslEmail)));
    }

    [Fact]
    public async Task NobodyAcknowledgingInTimeEscalatesToTheHeadAndTheDeputiesOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        await NameHeadAsync(school, minutes: 10);
        await using var headHub = await StaffHubClient.ConnectAsync(app, slt);
        var id = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromMinutes(9));
        await WorkerPassAsync(app);
        Assert.DoesNotContain("escalated", EntryTypes(await ConcernAsync(dsl, id)));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await WorkerPassAsync(app);
        await WorkerPassAsync(app);

        var alert = await headHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id);
        Assert.True(alert.GetProperty("escalated").GetBoolean());
        var types = EntryTypes(await ConcernAsync(dsl, id));
        Assert.Single(types, t => t == "escalated");
        var toHead = await app.Smtp.WaitForAsync(r => r.Any(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail)));
        var escalation = toHead.Single(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail));
        Assert.StartsWith("Escalated", escalation.Subject);
        Assert.DoesNotContain(Content, c => Text(escalation).Contains(c, StringComparison.Ordinal));
        // The deputies hear again: a second email to the DSL.
        await app.Smtp.WaitForAsync(r => r.Count(m => m.To.Mailboxes.Any(b => b.Address == school.DslEmail)) >= 2);
        var audit = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.SubjectId == id).Select(e => e.Action).ToListAsync());
        Assert.Contains(Chaperone.Audit.AuditActions.ConcernEscalated, audit);
    }

    [Fact]
    public async Task AnEscalationSaysSoWhenTheNamedHeadteacherNoLongerHasAccessAndDoesNotWriteToThem()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        await NameHeadAsync(school, minutes: 10);
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.SltId}/access", new { active = false })).StatusCode);
        var id = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        await WorkerPassAsync(app);

        var escalated = (await ConcernAsync(dsl, id)).GetProperty("chronology").EnumerateArray().Single(e => e.GetProperty("type").GetString() == "escalated");
        Assert.Contains("the one named in the school's concern settings no longer has access", escalated.GetProperty("text").GetString());
        Assert.Equal(0, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.RecipientEmail == school.SltEmail)));
    }

    [Fact]
    public async Task SeveralWorkersEscalatingAtOnceEscalateOnlyOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        await NameHeadAsync(school);
        var id = Guid.Parse((await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!);
        app.Clock.Advance(TimeSpan.FromMinutes(16));

        // As instances on one database would: each its own scope and connection.
        var won = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(app.Services);
            var routing = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ConcernRouting>(scope.ServiceProvider);
            return await routing.EscalateAsync(id, CancellationToken.None);
        }));
        await WorkerPassAsync(app);

        // The app's own worker runs on the same clock and may win the race; nobody escalates twice.
        Assert.True(won.Count(w => w) <= 1, "Two workers both escalated.");
        Assert.Single(EntryTypes(await ConcernAsync(dsl, id.ToString())), t => t == "escalated");
        Assert.Equal(1, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.Kind == Chaperone.Notifications.MessageKind.ConcernEscalated && m.RecipientEmail == school.SltEmail)));
    }

    [Fact]
    public async Task AnAcknowledgedConcernIsNotEscalated()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        await NameHeadAsync(school);
        var id = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;

        var acknowledged = await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{id}/acknowledge", null), HttpStatusCode.OK);
        Assert.True(acknowledged.GetProperty("acknowledged").GetBoolean());
        await Api.ProblemAsync(await dsl.PostAsync($"/api/v1/concerns/{id}/acknowledge", null), HttpStatusCode.Conflict);

        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await WorkerPassAsync(app);

        var types = EntryTypes(await ConcernAsync(dsl, id));
        Assert.Contains("acknowledged", types);
        Assert.DoesNotContain("escalated", types);
        Assert.Null(await app.WithDbAsync(db => db.Set<Concern>().Where(c => c.Id == Guid.Parse(id)).Select(c => c.EscalatedAt).SingleAsync()));
    }

    [Fact]
    public async Task WithTheMailServerDownTheAlertStillFiresAndEscalationStillRuns()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        await NameHeadAsync(school);
        await using var dslHub = await StaffHubClient.ConnectAsync(app, dsl);
        await app.Smtp.StopAsync();
        try
        {
            var id = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;
            await dslHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id && !a.GetProperty("escalated").GetBoolean());

            app.Clock.Advance(TimeSpan.FromMinutes(16));
            await WorkerPassAsync(app);

            await dslHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id && a.GetProperty("escalated").GetBoolean());
            Assert.Contains("escalated", EntryTypes(await ConcernAsync(dsl, id)));
            // The emails wait in the outbox for the server to come back.
            var pending = await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.SchoolId == school.SchoolId && m.Status == Chaperone.Notifications.MessageStatus.Pending));
            Assert.True(pending >= 3, $"Expected the alert and escalation emails to wait in the outbox, found {pending}.");
        }
        finally
        {
            await app.Smtp.StartAsync();
        }
    }

    [Fact]
    public async Task ABehaviourConcernGoesToTheSeniorLeaderTheTeacherPicks()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        await using var sltHub = await StaffHubClient.ConnectAsync(app, slt);
        var body = new
        {
            pupilIds = new[] { school.SiblingA.ToString() },
            kind = "behaviour",
            summary = "Rude gestures BEHAVIOUR-MARK",
            detail = "Made rude gestures at the camera twice.",
            routeToId = school.SltId.ToString(),
        };
        var id = (await RaiseAsync(await school.TeacherAsync(app), body)).GetProperty("id").GetString()!;

        await sltHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == id);
        var mail = (await app.Smtp.WaitForAsync(r => r.Any(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail)))).First(m => m.To.Mailboxes.Any(b => b.Address == school.SltEmail));
        Assert.DoesNotContain("BEHAVIOUR-MARK", Text(mail));
        Assert.DoesNotContain(app.Smtp.Received, m => m.To.Mailboxes.Any(b => b.Address == school.DslEmail));
        // Behaviour concerns are not escalated.
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        await WorkerPassAsync(app);
        Assert.DoesNotContain("escalated", EntryTypes(await ConcernAsync(slt, id)));
    }

    [Fact]
    public async Task BadInputIsRefusedFieldByFieldAndAnotherSchoolsPupilIsUnknown()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);

        var fields = await Api.BadRequestFieldsAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { other.TwoParentPupil.ToString(), "not-an-id" },
            kind = "gossip",
            summary = "",
            detail = new string('x', RaiseConcern.MaxText + 1),
            sessionId = Guid.NewGuid().ToString(),
            routeToId = other.SltId.ToString(),
        }));
        Assert.Equal(["detail", "kind", "pupilIds[0]", "pupilIds[1]", "routeToId", "sessionId", "summary"], fields.Order().ToArray());

        Assert.Contains("recordingOffsetSeconds", await Api.BadRequestFieldsAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "s", detail = "d", recordingOffsetSeconds = 12,
        })));
        await Api.ProblemAsync(await Api.PostRawAsync(teacher, "/api/v1/concerns", "{\"pupilIds\": 5, \"kind\": "), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await Api.PostRawAsync(teacher, "/api/v1/concerns", "{\"pupilIds\": [\"a\u0000b\"], \"kind\": \"safeguarding\", \"summary\": \"x\u0000\", \"detail\": \"d\"}"), HttpStatusCode.BadRequest);
        await Api.ProblemAsync(await teacher.PostAsJsonAsync("/api/v1/concerns/not-an-id/actions", new { text = "x" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await teacher.GetAsync($"/api/v1/pupils/{other.TwoParentPupil}/chronology"), HttpStatusCode.NotFound);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<Concern>().CountAsync(c => c.SchoolId == school.SchoolId)));
    }
}

public sealed class ConcernRoutingOnSqlite(SmtpChaperoneApp app) : ConcernRoutingTests(app), IClassFixture<SmtpChaperoneApp>;

public sealed class ConcernRoutingOnPostgres(PostgresSmtpChaperoneApp app) : ConcernRoutingTests(app), IClassFixture<PostgresSmtpChaperoneApp>;
