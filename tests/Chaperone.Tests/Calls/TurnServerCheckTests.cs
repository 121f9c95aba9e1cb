using System.Net;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chaperone.Tests.Calls;

/// <summary>
/// The TURN relay's readiness check, against the throwaway coturn <c>test.sh</c> starts: it answers
/// a STUN Binding request over UDP and over TCP, a port with nobody behind it does not; it grants
/// an allocation to credentials made with its shared secret and refuses them made with another;
/// and an instance whose relay does not answer, or refuses its credentials, is ready but degraded.
/// </summary>
public sealed class TurnServerCheckTests
{
    private static string Coturn => ChaperoneApp.FromTestSh("CHAPERONE_TEST_TURN", "a throwaway TURN server (coturn)");

    private static string Secret => ChaperoneApp.FromTestSh("CHAPERONE_TEST_TURN_SECRET", "a throwaway TURN server (coturn)");

    /// <summary>The relay checks the credentials' expiry on its own clock, the machine's: the app's clock is set to it (it only moves on).</summary>
    private static ChaperoneApp AppOnTheMachinesClock(string secret, params string[] urls)
    {
        var app = new ChaperoneApp();
        app.Clock.SetUtcNow(DateTimeOffset.UtcNow > app.Clock.GetUtcNow() ? DateTimeOffset.UtcNow : app.Clock.GetUtcNow());
        for (var i = 0; i < urls.Length; i++)
        {
            app.Settings[$"Calls:Turn:Urls:{i}"] = urls[i];
        }
        app.Settings["Calls:Turn:SharedSecret"] = secret;
        return app;
    }

    private static (string Username, string Credential) Credentials(string secret) =>
        CallNetwork.Credentials(System.Text.Encoding.UTF8.GetBytes(secret), Guid.Empty, DateTimeOffset.UtcNow.AddMinutes(5));

    [Theory]
    [InlineData("turn:turn.example.org", "turn.example.org", 3478, false)]
    [InlineData("turn:turn.example.org:3479?transport=udp", "turn.example.org", 3479, false)]
    [InlineData("TURN:10.0.0.2:80?transport=tcp", "10.0.0.2", 80, true)]
    [InlineData("turns:turn.example.org", "turn.example.org", 5349, true)]
    [InlineData("turn:[2001:db8::1]:3478", "2001:db8::1", 3478, false)]
    [InlineData("turns:[2001:db8::1]", "2001:db8::1", 5349, true)]
    public void ATurnAddressGivesItsHostPortAndTransport(string url, string host, int port, bool tcp) =>
        Assert.Equal((host, port, tcp), TurnServerCheck.Parse(url));

    [Theory]
    [InlineData("stun:turn.example.org")]
    [InlineData("turn:")]
    [InlineData("turn:turn.example.org:port")]
    [InlineData("turn:turn.example.org:70000")]
    [InlineData("turn:[2001:db8::1")]
    [InlineData("turn:[2001:db8::1]3478")]
    public void WhatIsNotATurnAddressIsRefused(string url) => Assert.Null(TurnServerCheck.Parse(url));

    [Fact]
    public async Task TheRelayAnswersOverUdpAndTcpAndAnEmptyPortDoesNot()
    {
        Assert.True(await TurnServerCheck.AnswersAsync(Coturn + "?transport=udp", CancellationToken.None));
        Assert.True(await TurnServerCheck.AnswersAsync(Coturn + "?transport=tcp", CancellationToken.None));
        Assert.False(await TurnServerCheck.AnswersAsync($"turn:127.0.0.1:{Loopback.UnusedPort()}?transport=tcp", CancellationToken.None));
        Assert.False(await TurnServerCheck.AnswersAsync($"turn:127.0.0.1:{Loopback.UnusedPort()}", CancellationToken.None));
    }

    [Fact]
    public async Task TheRelayGrantsAnAllocationToItsSecretsCredentialsOverUdpAndTcpAndRefusesAnothers()
    {
        var (username, credential) = Credentials(Secret);
        Assert.IsType<TurnAllocation.Outcome.Granted>(await TurnAllocation.TryAsync(Coturn + "?transport=udp", username, credential, CancellationToken.None));
        Assert.IsType<TurnAllocation.Outcome.Granted>(await TurnAllocation.TryAsync(Coturn + "?transport=tcp", username, credential, CancellationToken.None));
        var (_, wrong) = Credentials("not the relay's secret");
        Assert.IsType<TurnAllocation.Outcome.Unauthorised>(await TurnAllocation.TryAsync(Coturn + "?transport=udp", username, wrong, CancellationToken.None));
        Assert.IsType<TurnAllocation.Outcome.NoAnswer>(await TurnAllocation.TryAsync($"turn:127.0.0.1:{Loopback.UnusedPort()}?transport=tcp", username, credential, CancellationToken.None));
    }

    [Fact]
    public async Task AnInstanceWhoseRelayAnswersAndGrantsItsCredentialsIsHealthy()
    {
        var app = AppOnTheMachinesClock(Secret, Coturn + "?transport=udp", Coturn + "?transport=tcp");
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Healthy", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }

    [Fact]
    public async Task AGrantedAllocationStandsForAMinuteSoReadinessProbesDoNotEachTakeARelay()
    {
        var app = AppOnTheMachinesClock(Secret, Coturn + "?transport=udp");
        await using var started = await app.StartOwnedAsync();
        var check = app.Services.GetRequiredService<TurnServerCheck>();
        var client = Api.AnonymousClient(app);
        var before = check.AllocationsAsked;

        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
        var asked = check.AllocationsAsked;
        Assert.True(asked <= before + 1, $"The probe asked for {asked - before} allocations.");
        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
        Assert.Equal(asked, check.AllocationsAsked);

        // A minute on, the relay is asked again.
        app.Clock.Advance(TurnServerCheck.GrantStands);
        Assert.Equal("Healthy", await HealthTests.HealthAsync(client, Health.ReadyPath, HttpStatusCode.OK));
        Assert.Equal(asked + 1, check.AllocationsAsked);
    }

    [Fact]
    public async Task AnInstanceWhoseRelayDoesNotAnswerIsReadyButDegraded()
    {
        var app = AppOnTheMachinesClock(Secret, Coturn + "?transport=udp", $"turn:127.0.0.1:{Loopback.UnusedPort()}?transport=tcp");
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Degraded", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }

    [Fact]
    public async Task AnInstanceWithTheWrongSharedSecretIsReadyButDegradedAndTheCheckSaysSo()
    {
        var app = AppOnTheMachinesClock("not the relay's secret", Coturn + "?transport=udp");
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Degraded", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));

        var check = new TurnServerCheck(app.Services.GetRequiredService<CallNetwork>(), app.Clock);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("turn", check, HealthStatus.Degraded, null) };
        var result = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("The TURN relay refuses the call pages' credentials (Calls:Turn:SharedSecret is not its shared secret): families behind strict networks cannot join calls.", result.Description);
        // A refusal is not remembered: the relay is asked again at every probe, so a mended secret shows at once.
        await check.CheckHealthAsync(context);
        Assert.Equal(2, check.AllocationsAsked);
    }
}
