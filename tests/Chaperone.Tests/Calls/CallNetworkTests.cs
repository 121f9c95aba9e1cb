using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Chaperone.Tests.Calls;

/// <summary>
/// The call room's STUN and TURN servers: each page's own TURN credentials (the TURN REST API
/// that coturn checks with <c>use-auth-secret</c>), given only to a page that opens the call and
/// only for as long as it can, and the settings refused at start when they cannot work.
/// </summary>
public sealed class CallNetworkTests
{
    private static readonly Guid Session = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private static readonly IceServer Stun = new(["stun:stun.example.org:3478"], null, null);

    [Fact]
    public void TheCredentialsAreTheExpiryAndSessionSignedWithTheSharedSecret()
    {
        // Worked out apart from the app: printf '1796000000:0f8f…950e' | openssl dgst -sha1 -hmac north-star-secret -binary | base64
        var (username, credential) = CallNetwork.Credentials("north-star-secret"u8.ToArray(), Session, DateTimeOffset.FromUnixTimeSeconds(1_796_000_000));
        Assert.Equal("1796000000:0f8fad5bd9cb469fa16570867728950e", username);
        Assert.Equal("SGL1mKyS45Y2LZKzFeLgfSzWm24=", credential);
    }

    [Fact]
    public void APageGetsTheFixedServersAndTheTurnServerWithCredentialsUntilAnHourAfterTheSessionEnds()
    {
        var network = new CallNetwork([Stun], ["turn:turn.example.org:3478", "turns:turn.example.org:5349"], "north-star-secret", relayOnly: true);
        var end = new DateTimeOffset(2026, 12, 2, 10, 30, 0, TimeSpan.Zero);

        var servers = JsonDocument.Parse(network.JsonFor(Session, end)).RootElement;

        Assert.Equal(2, servers.GetArrayLength());
        Assert.Equal(new[] { "urls" }, servers[0].EnumerateObject().Select(p => p.Name)); // no empty user name for a STUN server
        var turn = servers[1];
        Assert.Equal(new[] { "turn:turn.example.org:3478", "turns:turn.example.org:5349" }, turn.GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        var username = turn.GetProperty("username").GetString()!;
        Assert.Equal($"{(end + FamilyLinks.GraceAfterEnd).ToUnixTimeSeconds()}:{Session:N}", username);
        Assert.Equal(CallNetwork.Credentials("north-star-secret"u8.ToArray(), Session, end + FamilyLinks.GraceAfterEnd).Credential, turn.GetProperty("credential").GetString());
        // Another session's credentials differ, so one page's cannot be used for another's call.
        Assert.NotEqual(username, JsonDocument.Parse(network.JsonFor(Guid.NewGuid(), end)).RootElement[1].GetProperty("username").GetString());
    }

    [Fact]
    public void WithoutASharedSecretThePagesGetTheFixedServersAsTheyAre()
    {
        var fixedTurn = new IceServer(["turn:turn.example.org:3478"], "school", "fixed");
        var network = new CallNetwork([Stun, fixedTurn], [], null, relayOnly: true);
        Assert.Equal(new[] { Stun, fixedTurn }, network.ForSession(Session, DateTimeOffset.UnixEpoch));
        Assert.Equal("[]", new CallNetwork([], [], null, relayOnly: false).JsonFor(Session, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void TheTurnAddressesAreAListOrOneValueWithCommas()
    {
        static CallNetwork Read(Dictionary<string, string?> settings) =>
            CallNetwork.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        var fromList = Read(new() { ["Calls:Turn:Urls:0"] = "turn:a.example.org:3478", ["Calls:Turn:Urls:1"] = "turns:a.example.org:5349", ["Calls:Turn:SharedSecret"] = "s" });
        var fromValue = Read(new() { ["Calls:Turn:Urls"] = "turn:a.example.org:3478, turns:a.example.org:5349", ["Calls:Turn:SharedSecret"] = "s", ["Calls:RelayOnly"] = "true" });

        Assert.Equal(new[] { "turn:a.example.org:3478", "turns:a.example.org:5349" }, fromList.TurnUrls);
        Assert.Equal(fromList.TurnUrls, fromValue.TurnUrls);
        Assert.False(fromList.RelayOnly);
        Assert.True(fromValue.RelayOnly);
    }

    [Fact]
    public void AFixedServerWithOneAddressNeedsNoListAndOneWithNoneStopsTheAppAtStart()
    {
        static CallNetwork Read(Dictionary<string, string?> settings) =>
            CallNetwork.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        Assert.Contains("needs its address", Assert.Throws<InvalidOperationException>(() => Read(new() { ["Calls:IceServers:0:username"] = "school" })).Message);
        var one = Read(new() { ["Calls:IceServers:0:urls"] = "stun:stun.example.org:3478" });
        Assert.Equal(new[] { "stun:stun.example.org:3478" }, Assert.Single(one.FixedServers).Urls);
        Assert.Equal("[{\"urls\":[\"stun:stun.example.org:3478\"]}]", one.JsonFor(Guid.NewGuid(), DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData("turn:turn.example.org:3478", null, false, "go together")]
    [InlineData(null, "north-star-secret", false, "go together")]
    [InlineData("stun:turn.example.org:3478", "north-star-secret", false, "is not a TURN server")]
    [InlineData("https://turn.example.org", "north-star-secret", false, "is not a TURN server")]
    [InlineData(null, null, true, "needs a TURN server")]
    public void SettingsThatCannotWorkStopTheAppAtStartSayingWhatToFix(string? url, string? secret, bool relayOnly, string message)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new CallNetwork([Stun], url is null ? [] : [url], secret, relayOnly));
        Assert.Contains(message, e.Message);
    }
}

/// <summary>The app with its call room set to a TURN server that shares a secret with it, relay only.</summary>
public sealed class TurnChaperoneApp : ChaperoneApp
{
    public const string Secret = "a-secret-the-pages-never-show";

    public TurnChaperoneApp()
    {
        Settings["Calls:Turn:Urls:0"] = "turn:turn.school.test:3478?transport=udp";
        Settings["Calls:Turn:SharedSecret"] = Secret;
        Settings["Calls:RelayOnly"] = "true";
    }
}

/// <summary>The call pages of an app whose call room uses a TURN server that shares a secret with it.</summary>
public sealed class CallPageNetworkTests(TurnChaperoneApp app) : IClassFixture<TurnChaperoneApp>
{
    private const string Secret = TurnChaperoneApp.Secret;
    private readonly ChaperoneApp _app = app;

    [Fact]
    public async Task AFamilysCallPageCarriesItsOwnRelayCredentialsAndARefusedLinkNone()
    {
        var school = await TestSchool.CreateAsync(_app);
        var teacher = await school.TeacherAsync(_app);
        var start = Api.NextWeekdayAt(_app.Clock.GetUtcNow().AddHours(50), 10);
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(teacher, school.Booking(start)));
        var path = await Families.FamilyLinkTests.FamilyPathAsync(teacher, sessionId.ToString(), school.Mother);
        var family = Api.AnonymousClient(_app);

        var page = await family.GetStringAsync(path + "/call");
        Assert.DoesNotContain(Secret, page);
        var call = Regex.Match(page, "<div id=\"call\"[^>]*>");
        Assert.True(call.Success, page);
        Assert.Contains("data-relay=\"true\"", call.Value);
        var ice = JsonDocument.Parse(WebUtility.HtmlDecode(Regex.Match(call.Value, "data-ice=\"([^\"]*)\"").Groups[1].Value)).RootElement;
        var turn = Assert.Single(ice.EnumerateArray());
        Assert.Equal("turn:turn.school.test:3478?transport=udp", turn.GetProperty("urls")[0].GetString());
        var until = start.AddMinutes(30) + FamilyLinks.GraceAfterEnd;
        Assert.Equal($"{until.ToUnixTimeSeconds()}:{sessionId:N}", turn.GetProperty("username").GetString());
        Assert.Equal(CallNetwork.Credentials(System.Text.Encoding.UTF8.GetBytes(Secret), sessionId, until).Credential, turn.GetProperty("credential").GetString());

        // A link that does not open the call (here, one character changed) gets no credentials.
        var tampered = path[..^1] + (path[^1] == 'A' ? 'B' : 'A');
        var refused = await family.GetAsync(tampered + "/call");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var refusedPage = await refused.Content.ReadAsStringAsync();
        Assert.DoesNotContain("turn.school.test", refusedPage);
        Assert.DoesNotContain("credential", refusedPage);
    }
}
