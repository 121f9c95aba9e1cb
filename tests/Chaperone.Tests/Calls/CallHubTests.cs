using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Calls;

/// <summary>The call hub as a client meets it, on each database: who gets in, what is stored, and what is refused.</summary>
public abstract class CallHubTests(ChaperoneApp app)
{
    /// <summary>The session each test books: 10:00 on a weekday at least 48 hours after the app's clock (the clock never goes back).</summary>
    private DateTimeOffset Start { get; set; }

    private Task<CallClient> ConnectAsync(string? bearer = null) => CallClient.ConnectAsync(app, bearer);

    private async Task<(TestSchool School, Guid SessionId, string Token)> SessionOpeningNowAsync(int minutesBefore = 5)
    {
        var school = await TestSchool.CreateAsync(app);
        Start = CallClient.NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Start)));
        app.Clock.SetUtcNow(Start.AddMinutes(-minutesBefore));
        return (school, id, app.Services.GetRequiredService<FamilyLinks>().TokenFor(id, school.Mother));
    }

    private static string Bearer(HttpClient client) => CallClient.Bearer(client);

    [Fact]
    public async Task OnlyTheHostTeacherOpensTheRoomAndAForgedLinkIsRefused()
    {
        var (school, id, _) = await SessionOpeningNowAsync();
        await using var other = await ConnectAsync(Bearer(await school.OtherTeacherAsync(app)));
        var refused = await other.Call("Host", id.ToString());
        Assert.False(refused.Ok);
        Assert.Contains("Only the session's teacher", refused.Message);

        await using var anonymous = await ConnectAsync();
        Assert.False((await anonymous.Call("Host", id.ToString())).Ok);
        Assert.Contains("not valid", (await anonymous.Call("JoinFamily", "forged-token")).Message);
        Assert.False((await anonymous.Call("Admit", Guid.NewGuid().ToString())).Ok);
    }

    [Fact]
    public async Task AParentUnlinkedFromTheChildAfterTheBookingIsNotLetIntoTheCall()
    {
        var school = await TestSchool.CreateAsync(app);
        Start = CallClient.NextSessionStart(app);
        var body = school.TwoParentBooking(Start);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), body));
        var links = app.Services.GetRequiredService<FamilyLinks>();
        app.Clock.SetUtcNow(Start.AddMinutes(-5));
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        await teacher.Ok("Host", id.ToString());

        // The room is open, and knew the father as Toby's, when the school takes him off Toby's record.
        var unlinked = await (await school.AdminAsync(app)).PutAsJsonAsync($"/api/v1/pupils/{school.TwoParentPupil}", new { name = "Toby Twoparents", guardianIds = new[] { school.Mother.ToString() } });
        Assert.Equal(HttpStatusCode.OK, unlinked.StatusCode);

        await using var father = await ConnectAsync();
        var refused = await father.Call("JoinFamily", links.TokenFor(id, school.Father));
        Assert.False(refused.Ok);
        Assert.Contains("no longer for a session you are invited to", refused.Message);
        await using var mother = await ConnectAsync();
        await mother.Ok("JoinFamily", links.TokenFor(id, school.Mother));
        var actors = await app.WithDbAsync(db => db.Set<CallEventRecord>().Where(e => e.SessionId == id).Select(e => e.Actor).ToListAsync());
        Assert.Contains($"guardian:{school.Mother}", actors);
        Assert.DoesNotContain($"guardian:{school.Father}", actors);
    }

    [Fact]
    public async Task EveryHubMethodGivenNonsenseAnswersWithWordsAndTheCallCarriesOn()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        await teacher.Ok("Host", id.ToString());
        await using var family = await ConnectAsync();
        await family.Ok("JoinFamily", token);
        var huge = new string('x', 20_000);
        object?[] Nonsense(Type type) => type == typeof(string) ? [null, "", huge, "\u0000\u202e", "00000000-0000-0000-0000-000000000000"]
            : type == typeof(string[]) ? [null, new string?[] { null }, Enumerable.Repeat("x", 500).ToArray()]
            : type == typeof(bool) ? [true]
            : throw new InvalidOperationException($"No nonsense for {type}");
        // Every method the hub offers that takes something, with each nonsense value in each place (the others sensible).
        var methods = typeof(CallHub).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(Task<HubAnswer>) && m.GetParameters().Length > 0).ToList();
        Assert.True(methods.Count >= 8, string.Join(", ", methods.Select(m => m.Name)));
        var thrown = new List<string>();

        foreach (var method in methods)
        {
            var parameters = method.GetParameters();
            for (var i = 0; i < parameters.Length; i++)
            {
                foreach (var value in Nonsense(parameters[i].ParameterType))
                {
                    var args = parameters.Select((p, j) => j == i ? value : p.ParameterType == typeof(bool) ? false : p.ParameterType == typeof(string[]) ? Array.Empty<string>() : (object)"x").ToArray();
                    foreach (var (who, client) in new[] { ("teacher", teacher), ("family", family) })
                    {
                        try
                        {
                            var answer = await client.Call(method.Name, args);
                            Assert.False(answer.Ok && value is null, $"{method.Name} as {who} agreed to a null {parameters[i].Name}");
                        }
                        catch (Microsoft.AspNetCore.SignalR.HubException e)
                        {
                            thrown.Add($"{method.Name}({parameters[i].Name} = {(value is string v ? $"\"{v[..Math.Min(v.Length, 20)]}\"" : value?.GetType().Name ?? "null")}) as {who}: {e.Message}");
                        }
                    }
                }
            }
        }

        Assert.True(thrown.Count == 0, string.Join("\n", thrown));
        // Both are still connected, and the call goes on.
        Assert.Equal(HubConnectionState.Connected, teacher.Connection.State);
        Assert.Equal(HubConnectionState.Connected, family.Connection.State);
        await family.Ok("Declare", new[] { school.TwoParentPupil.ToString() }, true, Chaperone.Families.FamilyChecklist.Items.Select(i => i.Key).ToArray());
        await family.Ok("GiveConsent");
    }

    [Fact]
    public async Task AConnectionOpenedForOneCallJoinsThatCallOnly()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        var other = Guid.NewGuid();
        var bearer = Bearer(await school.TeacherAsync(app));

        await using (var teacher = await CallClient.ConnectAsync(app, bearer, room: other))
        {
            var refused = await teacher.Call("Host", id.ToString());
            Assert.False(refused.Ok);
            Assert.Contains("another call", refused.Message);
            // Not even opened here: a connection routed for another call must not hold this one on its instance.
            Assert.Null(app.Services.GetRequiredService<RoomRegistry>().Find(id));
        }
        await using (var family = await CallClient.ConnectAsync(app, room: other))
        {
            Assert.Contains("another call", (await family.Call("JoinFamily", token)).Message);
        }

        await using var host = await CallClient.ConnectAsync(app, bearer, room: id);
        await host.Ok("Host", id.ToString());
        await using var guardian = await CallClient.ConnectAsync(app, room: id);
        await guardian.Ok("JoinFamily", token);
    }

    [Fact]
    public async Task TheRoomDoesNotOpenMoreThanTenMinutesEarly()
    {
        var (school, id, _) = await SessionOpeningNowAsync(minutesBefore: 30);
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        var answer = await teacher.Call("Host", id.ToString());
        Assert.False(answer.Ok);
        Assert.Contains("10 minutes before", answer.Message);
    }

    [Fact]
    public async Task JoinsConsentAndTheLobbyAreStoredWithTheirTimes()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        Assert.True((await teacher.Call("Host", id.ToString())).Ok);
        await using var family = await ConnectAsync();
        Assert.True((await family.Call("JoinFamily", token)).Ok);
        Assert.True((await family.Call("Declare", new[] { school.TwoParentPupil.ToString() }, true, Chaperone.Families.FamilyChecklist.Items.Select(i => i.Key).ToArray())).Ok);
        Assert.True((await family.Call("GiveConsent")).Ok);

        var events = await app.WithDbAsync(db => db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == id && e.SchoolId == school.SchoolId).OrderBy(e => e.At).ThenBy(e => e.Sequence).ToListAsync());
        Assert.Equal([RoomEvents.Opened, RoomEvents.Joined, RoomEvents.Joined, RoomEvents.Declared, RoomEvents.ConsentGiven], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal(Start.AddMinutes(-5), e.At));
        var consent = events[^1].Values();
        Assert.Equal("Mia Mother", consent["guardian"]);
        Assert.StartsWith("I, Mia Mother, have parental responsibility for Toby Twoparents.", consent["text"]);
    }

    [Fact]
    public async Task ASecondDeviceOnTheSameLinkTakesOverAndTheFirstIsToldWhy()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        Assert.True((await teacher.Call("Host", id.ToString())).Ok);
        await using var first = await ConnectAsync();
        Assert.True((await first.Call("JoinFamily", token)).Ok);
        await using var second = await ConnectAsync();
        Assert.True((await second.Call("JoinFamily", token)).Ok);
        Assert.Contains("another device", await first.Replaced.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True((await second.Call("Declare", new[] { school.TwoParentPupil.ToString() }, true, Array.Empty<string>())).Ok);
    }

    [Fact]
    public async Task AFloodAndOversizedSignalsAreRefusedWhileTheCallCarriesOn()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        Assert.True((await teacher.Call("Host", id.ToString())).Ok);
        await using var family = await ConnectAsync();
        Assert.True((await family.Call("JoinFamily", token)).Ok);

        var oversized = await family.Call("Signal", RoomParty.Teacher, new string('x', CallHub.MaxSignalLength + 1));
        Assert.Equal("That message was refused.", oversized.Message);
        // A message the hub cannot bind is an error for the sender only.
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => family.Connection.InvokeCoreAsync<HubReply>("Declare", ["not", "the", "right", "shape"]).WaitAsync(TimeSpan.FromSeconds(15)));

        var answers = await Task.WhenAll(Enumerable.Range(0, (int)HubGuard.Burst * 2).Select(_ => family.Call("Signal", RoomParty.Teacher, "{}")));
        Assert.Contains(answers, a => a.Message == "Too many messages; slow down.");

        // The teacher's side is unaffected: the family, still connected, is admitted once declared.
        Assert.Equal(HubConnectionState.Connected, family.Connection.State);
        await Task.Delay(100);
        Assert.True((await teacher.Call("ConfirmRoom")).Ok);
    }

    [Fact]
    public async Task ACallCarriesOnFromWhereItWasWhenTheServerRestarts()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        var mother = school.Mother.ToString();
        await using (var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app))))
        await using (var family = await ConnectAsync())
        {
            await teacher.Ok("Host", id.ToString());
            await family.Ok("JoinFamily", token);
            await family.Ok("Declare", new[] { school.TwoParentPupil.ToString() }, true, FamilyChecklist.Items.Select(i => i.Key).ToArray());
            app.Clock.SetUtcNow(Start.AddMinutes(-4));
            await teacher.Ok("Admit", mother);
            await family.Ok("GiveConsent");
            await teacher.Ok("ConfirmConsent", mother);
            await teacher.Ok("ConfirmRoom");
            await teacher.Ok("ConfirmDress");
            app.Clock.SetUtcNow(Start);
            await teacher.Ok("Start");
            await teacher.Ok("Mute", mother, true);
            app.Clock.SetUtcNow(Start.AddMinutes(2));
            await teacher.Ok("Lapse", true);
        }
        // The server goes down: every connection closes (and its leaving is stored), then a new
        // instance starts on the same database with nothing in memory.
        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 2);
        app.Clock.SetUtcNow(Start.AddMinutes(3));
        await using (var restarted = await app.AnotherInstanceAsync())
        {
            await using var teacher = await CallClient.ConnectAsync(restarted, Bearer(await school.TeacherAsync(restarted)));
            await teacher.Ok("Host", id.ToString());
            var view = await StateAsync(teacher, s => s.GetProperty("phase").GetString() == "Live");
            Assert.True(view.GetProperty("recording").GetBoolean());
            Assert.True(view.GetProperty("lapse").GetBoolean());
            Assert.True(view.GetProperty("consents")[0].GetProperty("confirmed").GetBoolean());
            Assert.True(view.GetProperty("roomChecked").GetBoolean() && view.GetProperty("dressChecked").GetBoolean());
            Assert.Contains("already started", (await teacher.Call("Start")).Message);

            await using var family = await CallClient.ConnectAsync(restarted);
            await family.Ok("JoinFamily", token);
            // The teacher's connection closed first, so the family waits in the lobby as after any
            // drop of the teacher's; what they declared and consented to still holds.
            var own = await StateAsync(family, s => s.GetProperty("role").GetString() == "family");
            Assert.Equal("Lobby", own.GetProperty("place").GetString());
            Assert.True(own.GetProperty("declared").GetBoolean());
            Assert.True(own.GetProperty("consentConfirmed").GetBoolean());
            Assert.True(own.GetProperty("muted").GetBoolean());
            await teacher.Ok("Admit", mother);
            await teacher.Ok("Lapse", false);
            await StateAsync(family, s => s.GetProperty("peers").EnumerateArray().Any(p => p.GetString() == RoomParty.Teacher));
            await teacher.Ok("ConfirmExpectations");
            restarted.Clock.SetUtcNow(Start.AddMinutes(20));
            await teacher.Ok("EndFamilyPart");
            await teacher.Ok("Close");

            // The evidence at the close counts what happened before the restart.
            var items = (await restarted.WithDbAsync(db => db.Evidence.AsNoTracking().Where(e => e.SessionId == id && e.Stage == CallEvidence.Stage).ToListAsync()))
                .SelectMany(e => e.Items).ToDictionary(i => i.Rule);
            Assert.True(items["consent"].Passed, items["consent"].Text);
            Assert.True(items["present-at-start"].Passed, items["present-at-start"].Text);
            Assert.True(items["dress"].Passed, items["dress"].Text);
            Assert.Contains("1 supervision lapse", items["supervision"].Text);
        }
        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 4);

        // Closed stays closed through another restart.
        await using var again = await app.AnotherInstanceAsync();
        await using var late = await CallClient.ConnectAsync(again, Bearer(await school.TeacherAsync(again)));
        Assert.Contains("closed", (await late.Call("Host", id.ToString())).Message);
    }

    [Fact]
    public async Task ARoomIsLetGoOfWhenItsLastConnectionLeavesAndOpensAgainFromWhereItWas()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        var registry = app.Services.GetRequiredService<RoomRegistry>();
        var bearer = Bearer(await school.TeacherAsync(app));
        await using (var teacher = await ConnectAsync(bearer))
        {
            await teacher.Ok("Host", id.ToString());
            await using (var family = await ConnectAsync())
            {
                await family.Ok("JoinFamily", token);
                await family.Ok("Declare", new[] { school.TwoParentPupil.ToString() }, true, FamilyChecklist.Items.Select(i => i.Key).ToArray());
                await teacher.Ok("Admit", school.Mother.ToString());
                await family.Ok("GiveConsent");
                await teacher.Ok("ConfirmConsent", school.Mother.ToString());
            }
            await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 1);
            // The teacher is still in it: the room is held.
            Assert.NotNull(registry.Find(id));
        }
        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 2);
        await WaitUntilAsync(() => registry.Find(id) is null);

        // Loaded again on the next join, from its events: what was done still holds.
        await using var back = await ConnectAsync(bearer);
        await back.Ok("Host", id.ToString());
        var view = await StateAsync(back, s => s.GetProperty("role").GetString() == "teacher");
        Assert.True(view.GetProperty("consents")[0].GetProperty("confirmed").GetBoolean());
        await using var again = await ConnectAsync();
        await again.Ok("JoinFamily", token);
        var own = await StateAsync(again, s => s.GetProperty("role").GetString() == "family");
        Assert.True(own.GetProperty("declared").GetBoolean());
        Assert.True(own.GetProperty("consentConfirmed").GetBoolean());
        Assert.Same(registry.Find(id), registry.Find(id));
    }

    [Fact]
    public async Task JoinsRacingTheLastConnectionsLeavingAllLandInOneRoom()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        var registry = app.Services.GetRequiredService<RoomRegistry>();
        var bearer = Bearer(await school.TeacherAsync(app));
        for (var round = 0; round < 10; round++)
        {
            var leaving = await ConnectAsync(bearer);
            await leaving.Ok("Host", id.ToString());
            // The teacher's page leaves as the family's device joins: whichever comes first, the
            // family is in the room the registry holds, never in one it has let go of.
            await using var family = await ConnectAsync();
            await Task.WhenAll(leaving.DisposeAsync().AsTask(), family.Ok("JoinFamily", token));
            await WaitUntilAsync(() => registry.Find(id)?.Room.Families[school.Mother].Connected == true);
            await family.DisposeAsync();
            await WaitUntilAsync(() => registry.Find(id) is null);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not come true within 15 seconds.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task AMessageTheHubCannotReadClosesOnlyThatConnectionAndIsLoggedWithItsSession()
    {
        var (school, id, token) = await SessionOpeningNowAsync();
        await using var teacher = await ConnectAsync(Bearer(await school.TeacherAsync(app)));
        await teacher.Ok("Host", id.ToString());

        // A device that speaks the protocol by hand: it joins from its link, then sends broken JSON.
        using var socket = await app.Server.CreateWebSocketClient()
            .ConnectAsync(new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = CallHub.Path }.Uri, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(15));
        var received = new List<string>();
        await SendFrameAsync(socket, """{"protocol":"json","version":1}""");
        await ReceiveUntilAsync(socket, received, m => m == "{}");
        await SendFrameAsync(socket, JsonSerializer.Serialize(new { type = 1, invocationId = "1", target = "JoinFamily", arguments = new[] { token } }));
        var joined = JsonDocument.Parse(await ReceiveUntilAsync(socket, received, m => m.Contains("\"invocationId\":\"1\""))).RootElement;
        Assert.True(joined.GetProperty("result").GetProperty("ok").GetBoolean());
        await SendFrameAsync(socket, """{"type":1,"invocationId":"2","target":"Declare","arguments":[nope}""");

        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 1);
        var logged = Assert.Single(app.Logs.Entries, e => e.Message.Contains("cannot read") && e.Message.Contains(id.ToString()));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, logged.Level);
        Assert.Contains(school.Mother.ToString(), logged.Message);
        Assert.IsType<InvalidDataException>(logged.Exception);
        // Nobody else's call notices.
        Assert.True((await teacher.Call("ConfirmRoom")).Ok);
    }

    private static Task SendFrameAsync(WebSocket socket, string message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

    /// <summary>Reads the protocol's messages (each ends with 0x1E) until one matches, waiting up to 15 seconds.</summary>
    private static async Task<string> ReceiveUntilAsync(WebSocket socket, List<string> received, Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[16 * 1024];
        var pending = "";
        while (true)
        {
            if (received.FirstOrDefault(match) is { } hit)
            {
                received.Remove(hit);
                return hit;
            }
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            pending += Encoding.UTF8.GetString(buffer, 0, result.Count);
            var parts = pending.Split('\u001e');
            received.AddRange(parts[..^1]);
            pending = parts[^1];
        }
    }

    /// <summary>The latest state view a client was sent that matches, waiting up to 15 seconds for it.</summary>
    private static async Task<JsonElement> StateAsync(CallClient client, Func<JsonElement, bool> match)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            lock (client.States)
            {
                if (client.States.Where(match).Select(s => (JsonElement?)s).LastOrDefault() is { } state)
                {
                    return state;
                }
            }
            Assert.True(DateTime.UtcNow < until, "No such state view arrived.");
            await Task.Delay(50);
        }
    }
}

public sealed class CallHubOnSqlite(ChaperoneApp app) : CallHubTests(app), IClassFixture<ChaperoneApp>;

public sealed class CallHubOnPostgres(PostgresChaperoneApp app) : CallHubTests(app), IClassFixture<PostgresChaperoneApp>;
