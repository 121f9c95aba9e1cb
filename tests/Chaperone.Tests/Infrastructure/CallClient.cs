using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Calls;
using Chaperone.Families;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Infrastructure;

/// <summary>A hub method's answer, as the call page reads it.</summary>
public sealed record HubReply(bool Ok, string? Message);

/// <summary>One connection to the call hub, as the teacher's console or the family's page holds it (long polling through the test server).</summary>
public sealed class CallClient(HubConnection connection) : IAsyncDisposable
{
    public HubConnection Connection { get; } = connection;
    public List<JsonElement> States { get; } = [];
    public TaskCompletionSource<string> Replaced { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HubReply> Call(string method, params object?[] args) =>
        Connection.InvokeCoreAsync<HubReply>(method, args).WaitAsync(TimeSpan.FromSeconds(15));

    /// <summary>Calls and insists that the room agreed.</summary>
    public async Task Ok(string method, params object?[] args)
    {
        var answer = await Call(method, args);
        Assert.True(answer.Ok, $"{method}: {answer.Message}");
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    /// <summary>Connects, naming the room of session <paramref name="room"/> in the hub's address as the call pages do, or no room.</summary>
    public static async Task<CallClient> ConnectAsync(ChaperoneApp app, string? bearer = null, Guid? room = null)
    {
        var path = room is { } session ? $"{CallHub.Path}?{CallHub.RoomParameter}={session}" : CallHub.Path;
        var connection = HubClients.Build(app, path, bearer);
        var client = new CallClient(connection);
        connection.On<JsonElement>("state", s => { lock (client.States) { client.States.Add(s); } });
        connection.On<string>("replaced", m => client.Replaced.TrySetResult(m));
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
        return client;
    }

    public static string Bearer(HttpClient client) => client.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>10:00 (London, which is UTC in winter) on the first weekday at least three days after the app's clock: bookable, and later than any earlier test's.</summary>
    public static DateTimeOffset NextSessionStart(ChaperoneApp app)
    {
        var day = app.Clock.GetUtcNow().UtcDateTime.Date.AddDays(3);
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            day = day.AddDays(1);
        }
        return new DateTimeOffset(day.AddHours(10), TimeSpan.Zero);
    }

    /// <summary>
    /// Runs a whole call of <paramref name="sessionId"/> (starting at <paramref name="start"/>) with
    /// Mia Mother and Toby through the hub, as the console and the family's page do, moving the
    /// app's clock: the teacher opens at −5 min, the family joins, declares and is admitted at −4,
    /// consent at −3 (confirmed at −2, with the room and dress checks), the start at 0, the
    /// expectations at +1 (unless <paramref name="giveExpectations"/> is false: a breach of clause 7),
    /// the family leaves at +20, the teacher closes at +21 and then records the outcome. With
    /// <paramref name="leftOpen"/>, the family's page and then the teacher's close during the call
    /// instead (a browser closed), nobody closes the call, and no outcome is recorded.
    /// </summary>
    public static async Task RunCallAsync(ChaperoneApp app, TestSchool school, Guid sessionId, DateTimeOffset start, string outcome, string notes, bool giveExpectations = true,
        Guid[]? pupils = null, Guid? guardian = null, Func<CallClient, Task>? duringCall = null, bool leftOpen = false)
    {
        var present = pupils ?? [school.TwoParentPupil];
        var parent = guardian ?? school.Mother;
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        // Signed in on the day (a token from days before has expired).
        var teacherClient = await school.TeacherAsync(app);
        var token = app.Services.GetRequiredService<FamilyLinks>().TokenFor(sessionId, parent);
        await using (var teacher = await ConnectAsync(app, Bearer(teacherClient)))
        {
            await teacher.Ok("Host", sessionId.ToString());
            await using (var family = await ConnectAsync(app))
            {
                await family.Ok("JoinFamily", token);
                await family.Ok("Declare", present.Select(p => p.ToString()).ToArray(), true, FamilyChecklist.Items.Select(i => i.Key).ToArray());
                app.Clock.SetUtcNow(start.AddMinutes(-4));
                await teacher.Ok("Admit", parent.ToString());
                app.Clock.SetUtcNow(start.AddMinutes(-3));
                await family.Ok("GiveConsent");
                app.Clock.SetUtcNow(start.AddMinutes(-2));
                await teacher.Ok("ConfirmConsent", parent.ToString());
                await teacher.Ok("ConfirmRoom");
                await teacher.Ok("ConfirmDress");
                app.Clock.SetUtcNow(start);
                await teacher.Ok("Start");
                app.Clock.SetUtcNow(start.AddMinutes(1));
                if (giveExpectations)
                {
                    await teacher.Ok("ConfirmExpectations");
                }
                if (duringCall is not null)
                {
                    await duringCall(teacher);
                }
                app.Clock.SetUtcNow(start.AddMinutes(20));
                if (!leftOpen)
                {
                    await family.Ok("Leave");
                }
            }
            await WaitForEventsAsync(app, sessionId, RoomEvents.Left, 1);
            if (!leftOpen)
            {
                app.Clock.SetUtcNow(start.AddMinutes(21));
                await teacher.Ok("Close");
            }
        }
        await WaitForEventsAsync(app, sessionId, RoomEvents.Left, 2);
        if (leftOpen)
        {
            // The room is let go of, and its lease given back, just after its last connection's leaving is stored.
            var until = DateTime.UtcNow.AddSeconds(15);
            while (await app.WithDbAsync(db => db.Set<RoomLease>().AnyAsync(l => l.SessionId == sessionId)))
            {
                Assert.True(DateTime.UtcNow < until, "The room kept its lease after everyone had left.");
                await Task.Delay(50);
            }
            return;
        }
        var response = await teacherClient.PostAsJsonAsync($"/api/v1/sessions/{sessionId}/outcome", new { outcome, notes });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Books a session of <paramref name="school"/>'s teacher at <see cref="NextSessionStart"/> and runs its call (<see cref="RunCallAsync"/>).</summary>
    public static async Task<(Guid SessionId, DateTimeOffset Start)> BookAndRunCallAsync(ChaperoneApp app, TestSchool school, string outcome, string notes)
    {
        var start = NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start)));
        await RunCallAsync(app, school, id, start, outcome, notes);
        return (id, start);
    }

    /// <summary>Waits until the room has stored <paramref name="count"/> events of a kind (a closed connection is handled after the client has gone).</summary>
    public static async Task WaitForEventsAsync(ChaperoneApp app, Guid sessionId, string kind, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (await app.WithDbAsync(db => db.Set<CallEventRecord>().CountAsync(e => e.SessionId == sessionId && e.Kind == kind)) < count)
        {
            Assert.True(DateTime.UtcNow < until, $"The room did not store {count} '{kind}' events in time.");
            await Task.Delay(50);
        }
    }
}
