using System.Net;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Calls;

/// <summary>
/// The TURN relay's readiness check, against the throwaway coturn <c>test.sh</c> starts: it answers
/// a STUN Binding request over UDP and over TCP, a port with nobody behind it does not, and an
/// instance whose relay does not answer is ready but degraded.
/// </summary>
public sealed class TurnServerCheckTests
{
    private static string Coturn => ChaperoneApp.FromTestSh("CHAPERONE_TEST_TURN", "a throwaway TURN server (coturn)");

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
    public async Task AnInstanceWhoseRelayAnswersIsHealthy()
    {
        var app = new ChaperoneApp();
        app.Settings["Calls:Turn:Urls:0"] = Coturn + "?transport=udp";
        app.Settings["Calls:Turn:SharedSecret"] = "not-checked-by-readiness";
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Healthy", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }

    [Fact]
    public async Task AnInstanceWhoseRelayDoesNotAnswerIsReadyButDegraded()
    {
        var app = new ChaperoneApp();
        app.Settings["Calls:Turn:Urls:0"] = Coturn + "?transport=udp";
        app.Settings["Calls:Turn:Urls:1"] = $"turn:127.0.0.1:{Loopback.UnusedPort()}?transport=tcp";
        app.Settings["Calls:Turn:SharedSecret"] = "not-checked-by-readiness";
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Degraded", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }
}
