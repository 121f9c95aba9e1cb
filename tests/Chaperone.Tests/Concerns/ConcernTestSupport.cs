using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Concerns;
using Chaperone.People;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chaperone.Tests.Concerns;

/// <summary>What the concern tests share: two-factor sign-ins for a test school's DSL and leader, the staff hub as a client, the worker's pass.</summary>
public static class ConcernTestSupport
{
    /// <summary>Turns two-factor sign-in on for the account with the demo's authenticator key, so <see cref="ChaperoneApp.SignInAsync"/> signs in with two factors.</summary>
    public static async Task EnrolAsync(ChaperoneApp app, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var keys = (IUserAuthenticatorKeyStore<StaffMember>)scope.ServiceProvider.GetRequiredService<IUserStore<StaffMember>>();
        var user = (await users.FindByEmailAsync(email))!;
        await keys.SetAuthenticatorKeyAsync(user, ChaperoneApp.DemoTotpSecret, CancellationToken.None);
        await users.UpdateAsync(user);
        await users.SetTwoFactorEnabledAsync(user, true);
    }

    /// <summary>Turns two-factor sign-in off for the account (a test school's leaders have it on), as before they enrolled.</summary>
    public static async Task TurnOffTwoFactorAsync(ChaperoneApp app, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        Assert.True((await users.SetTwoFactorEnabledAsync((await users.FindByEmailAsync(email))!, false)).Succeeded);
    }

    /// <summary>
    /// A second DSL of <paramref name="school"/>, added by its admin, who has chosen their own
    /// password and not yet turned on two-factor sign-in; signed in for the API.
    /// </summary>
    public static async Task<HttpClient> DslWithoutTwoFactorAsync(ChaperoneApp app, TestSchool school)
    {
        var email = $"dsl.{Guid.NewGuid():N}@school.test";
        // A DSL is invited by email: they choose their own password through the link.
        await Api.JsonAsync(await (await school.AdminAsync(app)).PostAsJsonAsync("/api/v1/staff", new { name = "New DSL", email, roles = new[] { Roles.Dsl }, invite = true }), HttpStatusCode.Created);
        var (user, token) = await StaffInvitations.LinkAsync(app, email);
        var chosen = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword = "a dsl's own password" });
        Assert.True(chosen.IsSuccessStatusCode, await chosen.Content.ReadAsStringAsync());
        return await app.SignInAsync(email, "a dsl's own password");
    }

    /// <summary>The test school's DSL and senior leader enrolled; returns (dsl, slt) clients signed in with two factors.</summary>
    public static async Task<(HttpClient Dsl, HttpClient Slt)> LeadersAsync(ChaperoneApp app, TestSchool school)
    {
        await EnrolAsync(app, school.DslEmail);
        await EnrolAsync(app, school.SltEmail);
        return (await school.DslAsync(app), await school.SltAsync(app));
    }

    public static object Safeguarding(TestSchool school, Guid? pupil = null) => new
    {
        pupilIds = new[] { (pupil ?? school.TwoParentPupil).ToString() },
        kind = "safeguarding",
        summary = "Bruise on the arm SUMMARY-MARK",
        detail = "Toby showed a bruise on his forearm when reaching for a book. DETAIL-MARK",
        childsOwnWords = "\"Dad grabbed me\" WORDS-MARK",
    };

    public static object Behaviour(TestSchool school) => new
    {
        pupilIds = new[] { school.SiblingA.ToString() },
        kind = "behaviour",
        summary = "Rude gestures BEHAVIOUR-MARK",
        detail = "Made rude gestures at the camera twice.",
    };

    public static async Task<JsonElement> RaiseAsync(HttpClient client, object body) =>
        await Api.JsonAsync(await client.PostAsJsonAsync("/api/v1/concerns", body), HttpStatusCode.Created);

    /// <summary>One pass of the concern worker, as its timer runs it.</summary>
    public static Task WorkerPassAsync(ChaperoneApp app) =>
        app.Services.GetServices<IHostedService>().OfType<ConcernWorker>().Single().RunOnceAsync(CancellationToken.None);

    public static string[] EntryTypes(JsonElement concern) =>
        concern.GetProperty("chronology").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();

    /// <summary>A real SignalR client on the staff hub, signed in with <paramref name="client"/>'s token, collecting alerts.</summary>
    public sealed class StaffHubClient : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private readonly List<JsonElement> _alerts = [];
        private readonly SemaphoreSlim _arrived = new(0);

        private StaffHubClient(HubConnection connection) => _connection = connection;

        public static async Task<StaffHubClient> ConnectAsync(ChaperoneApp app, HttpClient client)
        {
            var bearer = client.DefaultRequestHeaders.Authorization!.Parameter!;
            var connection = HubClients.Build(app, StaffHub.Path, bearer);
            var hub = new StaffHubClient(connection);
            connection.On<JsonElement>(ConcernAlerts.Method, a =>
            {
                lock (hub._alerts)
                {
                    hub._alerts.Add(a);
                }
                hub._arrived.Release();
            });
            await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
            return hub;
        }

        public IReadOnlyList<JsonElement> Alerts
        {
            get
            {
                lock (_alerts)
                {
                    return [.. _alerts];
                }
            }
        }

        /// <summary>Waits (up to 15 s) for an alert matching <paramref name="match"/>.</summary>
        public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                if (Alerts.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
                {
                    return found;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                {
                    throw new TimeoutException("No such alert arrived: " + string.Join(" | ", Alerts.Select(a => a.ToString())));
                }
            }
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
