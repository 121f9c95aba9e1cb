using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chaperone.Tests.Identity;

/// <summary>A forgotten password: the emailed link, and what the request tells anyone who makes it.</summary>
public abstract partial class ForgottenPasswordApiTests(ChaperoneApp app)
{
    [Fact]
    public async Task AForgottenPasswordIsChosenAgainThroughTheEmailedLinkWhichWorksOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            await LoginAsync(client, school.TeacherEmail, "not-the-password");
        }

        var answer = await Api.JsonAsync(await RequestAsync(client, " " + school.TeacherEmail.ToUpperInvariant() + " "), HttpStatusCode.Accepted);
        Assert.Equal(ForgottenPasswords.LinkSent, answer.GetProperty("message").GetString());
        var (user, token) = await EmailedLinkAsync(school.TeacherId);
        Assert.Equal(school.TeacherId.ToString(), user);

        Assert.Equal(["newPassword"], await Api.BadRequestFieldsAsync(await ResetAsync(client, user, token, "short")));
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await ResetAsync(client, user, token[..^4] + "AAAA", "a password of my own")));
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await ResetAsync(client, school.OtherTeacherId.ToString(), token, "a password of my own")));
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(client, user, token, "a password of my own")).StatusCode);

        // The old password no longer works; the new one does, and the lockout from guessing is lifted.
        await Api.ProblemAsync(await LoginAsync(client, school.TeacherEmail, TestSchool.Password), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, school.TeacherEmail, "a password of my own")).StatusCode);
        // Once only.
        var again = await Api.ProblemAsync(await ResetAsync(client, user, token, "another password again"), HttpStatusCode.BadRequest);
        Assert.Equal(ForgottenPasswords.LinkUnusable, again.GetProperty("errors").GetProperty("token")[0].GetString());
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, school.TeacherEmail, "a password of my own")).StatusCode);

        var trail = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.PasswordResetEmailed, trail);
        Assert.Contains(AuditActions.PasswordResetByEmail, trail);
    }

    [Fact]
    public async Task TheAnswerIsTheSameForAnAddressWithNoAccountAndALeaverGetsNoLink()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        var admin = await school.AdminAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.OtherTeacherId}/access", new { active = false })).StatusCode);

        var nobody = await Api.JsonAsync(await RequestAsync(client, $"nobody.{Guid.NewGuid():N}@school.test"), HttpStatusCode.Accepted);
        var leaver = await Api.JsonAsync(await RequestAsync(client, school.OtherTeacherEmail), HttpStatusCode.Accepted);

        Assert.Equal(nobody.GetRawText(), leaver.GetRawText());
        Assert.Equal(0, await LinksSentAsync(school.OtherTeacherId));
        Assert.Contains(AuditActions.PasswordResetRefused,
            await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == school.SchoolId).Select(e => e.Action).ToListAsync()));
    }

    [Fact]
    public async Task ALinkRunsOutAfterAnHourAndNoMoreThanThreeAreSentInOne()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        for (var i = 0; i < ForgottenPasswords.MostPerHour + 2; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, school.SltEmail)).StatusCode);
        }
        Assert.Equal(ForgottenPasswords.MostPerHour, await LinksSentAsync(school.SltId));
        var (user, token) = await EmailedLinkAsync(school.SltId);

        app.Clock.Advance(ClockResetTokenProvider.Lifespan + TimeSpan.FromSeconds(1));

        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await ResetAsync(client, user, token, "a password of my own")));
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, school.SltEmail)).StatusCode);
        Assert.Equal(ForgottenPasswords.MostPerHour + 1, await LinksSentAsync(school.SltId));
        var (_, fresh) = await EmailedLinkAsync(school.SltId);
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(client, user, fresh, "a password of my own")).StatusCode);
    }

    [Theory]
    [InlineData("{}", "email")]
    [InlineData("""{"email":"not an address"}""", "email")]
    [InlineData("""{"email":"a\u0000@school.test"}""", "email")]
    public async Task ARequestWithoutAnAddressSaysWhatToFix(string body, string field)
    {
        var response = await Api.PostRawAsync(app.CreateClient(), "/api/v1/auth/forgotten-password", body);
        Assert.Equal([field], await Api.BadRequestFieldsAsync(response));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"user":"not-an-id","token":"x","newPassword":""}""")]
    [InlineData("""{"user":"00000000-0000-0000-0000-000000000000","token":"AAAA"}""")]
    public async Task AResetWithoutALinkOrPasswordNamesBoth(string body)
    {
        var response = await Api.PostRawAsync(app.CreateClient(), "/api/v1/auth/reset-password", body);
        Assert.Equal(["newPassword", "token"], (await Api.BadRequestFieldsAsync(response)).Order());
    }

    [Fact]
    public async Task AResetWithAnUnusableLinkAndAShortPasswordSaysBothAtOnce()
    {
        var school = await TestSchool.CreateAsync(app);

        var response = await ResetAsync(app.CreateClient(), school.TeacherId.ToString(), "AAAA-not-the-token", "short");

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["newPassword", "token"], Api.ErrorFields(problem).Order(StringComparer.Ordinal));
        Assert.Contains("10 characters", problem.GetProperty("errors").GetProperty("newPassword")[0].GetString(), StringComparison.Ordinal);
        // A long enough password with the same link is refused on the link alone.
        Assert.Equal(["token"], await Api.BadRequestFieldsAsync(await ResetAsync(app.CreateClient(), school.TeacherId.ToString(), "AAAA-not-the-token", "long enough to pass")));
    }

    [Fact]
    public async Task ARequestTakenWhileNoSenderRunsIsAnsweredWhenOneStartsAndOneAnHourOldIsDropped()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = app.CreateClient();
        var sender = app.Services.GetServices<IHostedService>().OfType<PasswordLinkSender>().Single();
        async Task<int> WaitingAsync() =>
            await app.WithDbAsync(db => db.Set<PasswordLinkRequest>().CountAsync(r => r.Address == school.TeacherEmail || r.Address == school.SltEmail));

        // The sender stops (the instance going down): the requests are kept, not lost.
        await sender.StopAsync(CancellationToken.None);
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/auth/forgotten-password", new { email = school.TeacherEmail })).StatusCode);
            Assert.Equal(1, await WaitingAsync());
            await sender.StartAsync(CancellationToken.None);
            await app.PasswordLinkRequestsDoneAsync();
            Assert.Equal(1, await LinksSentAsync(school.TeacherId));
            Assert.Equal(0, await WaitingAsync());

            // One left more than an hour (the app down that long) is dropped unanswered.
            await sender.StopAsync(CancellationToken.None);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/auth/forgotten-password", new { email = school.SltEmail })).StatusCode);
            app.Clock.Advance(PasswordLinkSender.DroppedAfter + TimeSpan.FromMinutes(1));
        }
        finally
        {
            await sender.StartAsync(CancellationToken.None);
        }
        await app.PasswordLinkRequestsDoneAsync();
        Assert.Equal(0, await LinksSentAsync(school.SltId));
        Assert.Equal(0, await WaitingAsync());
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    /// <summary>Asks for a link, and waits until the request has been dealt with in the background.</summary>
    private async Task<HttpResponseMessage> RequestAsync(HttpClient client, string email)
    {
        var response = await client.PostAsJsonAsync("/api/v1/auth/forgotten-password", new { email });
        await app.PasswordLinkRequestsDoneAsync();
        return response;
    }

    private static Task<HttpResponseMessage> ResetAsync(HttpClient client, string user, string token, string newPassword) =>
        client.PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword });

    private Task<int> LinksSentAsync(Guid staffId) =>
        app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.RecipientId == staffId && m.Kind == MessageKind.PasswordReset));

    /// <summary>The account and token of the newest link emailed to <paramref name="staffId"/>, read from the message as it is sent.</summary>
    private async Task<(string User, string Token)> EmailedLinkAsync(Guid staffId)
    {
        var mime = await app.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.RecipientId == staffId && m.Kind == MessageKind.PasswordReset).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => m.Mime!).FirstAsync());
        var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(mime)));
        var link = ResetLink().Match(message.TextBody ?? "");
        Assert.True(link.Success, message.TextBody);
        return (link.Groups["user"].Value, link.Groups["token"].Value);
    }

    [GeneratedRegex(@"/account/reset-password\?user=(?<user>[0-9a-f-]{36})&token=(?<token>[A-Za-z0-9_-]+)")]
    private static partial Regex ResetLink();
}

public sealed class ForgottenPasswordApiOnSqlite(ChaperoneApp app) : ForgottenPasswordApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ForgottenPasswordApiOnPostgres(PostgresChaperoneApp app) : ForgottenPasswordApiTests(app), IClassFixture<PostgresChaperoneApp>;
