using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Recordings;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>
/// A whole call in the built-in room, with the teacher and the family in separate browser
/// contexts on Chromium's fake camera and microphone.
/// </summary>
public sealed class CallInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private static readonly float Ms = BrowserSteps.Ms;
    private static readonly byte[] WebmMagic = [0x1A, 0x45, 0xDF, 0xA3];

    internal static async Task<IPage> CallPageAsync(BrowserApp browser)
    {
        var page = await browser.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["camera", "microphone"]);
        return page;
    }

    internal static Task ExpectStatusAsync(IPage page, string text) =>
        Assertions.Expect(page.Locator("#status")).ToContainTextAsync(text, new() { Timeout = Ms });

    /// <summary>Waits until what the page receives from its peers (frames decoded, audio energy) keeps rising.</summary>
    internal static async Task AssertMediaFlowsAsync(IPage page)
    {
        async Task<(double Frames, double Energy)> Stats()
        {
            var s = await page.EvaluateAsync<JsonElement>("() => window.chaperoneStats()").WaitAsync(BrowserApp.Timeout);
            return (s.GetProperty("framesDecoded").GetDouble(), s.GetProperty("audioEnergy").GetDouble());
        }
        var deadline = DateTime.UtcNow + BrowserApp.Timeout;
        var first = await Stats();
        while (true)
        {
            await Task.Delay(500);
            var now = await Stats();
            if (now.Frames > first.Frames && now.Energy > first.Energy && first.Frames > 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Media is not flowing: frames {first.Frames}→{now.Frames}, audio energy {first.Energy}→{now.Energy}.");
            first = first.Frames == 0 ? now : first;
        }
    }

    [Fact]
    public async Task AFamilyWaitsInTheLobbyTheCallStartsOnlyWithConsentAndEveryoneAndEndsInTheClausesOrder()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var teacherApi = await school.TeacherAsync(app);
        // Wednesday 2 December 2026 at 10:00 London, booked on Monday morning.
        var start = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        app.Clock.SetUtcNow(ChaperoneApp.StartOfTime);
        var sessionId = await TestSchool.BookOkAsync(teacherApi, school.Booking(start));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        var token = app.Services.GetRequiredService<FamilyLinks>().TokenFor(Guid.Parse(sessionId), school.Mother);

        var teacher = await CallPageAsync(browser);
        await BrowserSteps.SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync($"/sessions/{sessionId}");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Open the call" }).ClickAsync();
        await ExpectStatusAsync(teacher, "The room is open");
        await Assertions.Expect(teacher.Locator("[data-hours-end]")).ToContainTextAsync("School hours end at 15:00", new() { Timeout = Ms });
        await BrowserSteps.AssertEveryControlIsLabelledAsync(teacher);
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(teacher));

        var family = await CallPageAsync(browser);
        await family.GotoAsync($"/family/{token}/call");
        await ExpectStatusAsync(family, "tell us who is with you");
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(family));
        await family.GetByRole(AriaRole.Button, new() { Name = "Check camera and microphone" }).ClickAsync();
        await Assertions.Expect(family.Locator("#device-result")).ToContainTextAsync("working", new() { Timeout = Ms });
        await family.GetByLabel("Toby Twoparents is here").CheckAsync();
        await family.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        foreach (var item in Chaperone.Families.FamilyChecklist.Items)
        {
            await family.GetByLabel(item.Text).CheckAsync();
        }
        await family.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await ExpectStatusAsync(family, "The teacher will let you in shortly");
        await BrowserSteps.AssertEveryControlIsLabelledAsync(family);
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(family));

        // The lobby holds the family: no media connection until the teacher admits them.
        await Task.Delay(500);
        Assert.Equal(0, (await family.EvaluateAsync<JsonElement>("() => window.chaperoneStats()")).GetProperty("peers").GetInt32());
        await ExpectStatusAsync(family, "waiting room");

        // The call cannot start without consent (and the checks).
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#error")).ToContainTextAsync("must be in the call", new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" }).ClickAsync();
        await ExpectStatusAsync(family, "You are in the call");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#error")).ToContainTextAsync("must give consent", new() { Timeout = Ms });

        await family.GetByRole(AriaRole.Button, new() { Name = "I give my consent" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Confirm the consent" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "The family's room is suitable" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Everyone is appropriately dressed" }).ClickAsync();
        await Assertions.Expect(family.Locator("#consent-state")).ToContainTextAsync("confirmed by the teacher", new() { Timeout = Ms });
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Start the session" }).ClickAsync();
        await ExpectStatusAsync(teacher, "The session has started");
        await Assertions.Expect(family.Locator("#recording")).ToBeVisibleAsync(new() { Timeout = Ms });
        await Assertions.Expect(teacher.Locator("#recording")).ToBeVisibleAsync(new() { Timeout = Ms });

        // Media flows both ways.
        await AssertMediaFlowsAsync(teacher);
        await AssertMediaFlowsAsync(family);
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(teacher));
        Assert.Empty(await BrowserSteps.AccessibilityViolationsAsync(family));

        // The teacher drops (once the recording has a chunk on the server): the family is back in the lobby; the teacher rejoins and admits them again.
        for (var waited = 0; await app.WithDbAsync(db => db.Set<Recording>().AnyAsync(r => r.SessionId == Guid.Parse(sessionId) && r.Chunks > 0)) is false; waited += 100)
        {
            Assert.True(waited < Ms, "no recording chunk reached the server");
            await Task.Delay(100);
        }
        await teacher.CloseAsync();
        await ExpectStatusAsync(family, "The teacher has not joined yet");
        teacher = await teacher.Context.NewPageAsync();
        // The recording store is away for a moment when the reopened page sends its second chunk: it is sent again, not lost.
        var refusedOnce = 0;
        await teacher.RouteAsync("**/recording/chunks/1", async route =>
        {
            if (Interlocked.Exchange(ref refusedOnce, 1) == 0)
            {
                await route.FulfillAsync(new() { Status = 503, Headers = new Dictionary<string, string> { ["Retry-After"] = "1" }, Body = "" });
                return;
            }
            await route.ContinueAsync();
        });
        await teacher.GotoAsync($"/sessions/{sessionId}/console");
        await ExpectStatusAsync(teacher, "The session has started");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" }).ClickAsync();
        await ExpectStatusAsync(family, "You are in the call");
        await AssertMediaFlowsAsync(teacher);
        await teacher.GetByRole(AriaRole.Button, new() { Name = "I have given the expectations" }).ClickAsync();
        await Task.Delay(4500); // a couple of recording chunks

        // The teacher cannot close while the family is in the call; the family leaves first, then the teacher closes.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Close the session" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("#error")).ToContainTextAsync("End the family's part", new() { Timeout = Ms });
        await family.GetByRole(AriaRole.Button, new() { Name = "Leave the call" }).ClickAsync();
        await ExpectStatusAsync(family, "Your part of the call has finished");
        await ExpectStatusAsync(teacher, "The family's part has ended");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Close the session" }).ClickAsync();
        await ExpectStatusAsync(teacher, "The session is closed");
        await teacher.GetByLabel("Session notes").FillAsync("Worked on fractions.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the outcome" }).ClickAsync();
        await ExpectStatusAsync(teacher, "saved");

        var events = await app.WithDbAsync(db => db.Set<CallEventRecord>().Where(e => e.SessionId == Guid.Parse(sessionId)).OrderBy(e => e.At).ThenBy(e => e.Sequence).Select(e => e.Kind).ToListAsync());
        Assert.True(events.IndexOf(RoomEvents.FamilyExited) < events.IndexOf(RoomEvents.Closed), string.Join(", ", events));
        Assert.Contains(RoomEvents.ConsentGiven, events);
        Assert.Contains(RoomEvents.ToLobby, events);

        // Two recordings, one per page that recorded (before the teacher dropped, and after), each
        // encrypted in the store and playing back as WebM from its own start; the second kept the chunk refused once.
        var recordings = await app.WithDbAsync(db => db.Set<Recording>().Where(r => r.SessionId == Guid.Parse(sessionId)).OrderBy(r => r.StartedAt).ThenBy(r => r.Id).ToListAsync());
        Assert.Equal(2, recordings.Count);
        Assert.Equal(1, refusedOnce);
        Assert.True(recordings[1].Chunks >= 2, $"{recordings[1].Chunks} chunks after the page was reopened");
        var store = app.Services.GetRequiredService<RecordingStore>();
        foreach (var made in recordings)
        {
            var stored = (await store.Blobs.GetAsync(RecordingStore.ChunkName(made, 0), CancellationToken.None))!;
            Assert.NotEqual(WebmMagic, stored.Take(4).ToArray());
            var playedBack = await teacher.APIRequest.GetAsync($"/api/v1/recordings/{made.Id}/content");
            Assert.Equal(200, playedBack.Status);
            var bytes = await playedBack.BodyAsync();
            Assert.Equal(WebmMagic, bytes.Take(4).ToArray());
            Assert.True(bytes.Length > 1000);
        }
        var recording = recordings[1];
        Assert.Contains(RoomEvents.RecordingViewed, await app.WithDbAsync(db => db.Set<CallEventRecord>().Where(e => e.SessionId == Guid.Parse(sessionId)).Select(e => e.Kind).ToListAsync()));
        // Every viewing is also in the school's audit trail (clause 2, and the court-safe record).
        Assert.Contains(await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == recording.Id.ToString()).Select(e => e.Action).ToListAsync()), a => a == Chaperone.Audit.AuditActions.RecordingViewed);

        await teacher.GotoAsync($"/sessions/{sessionId}");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Recordings" }).ClickAsync();
        await Assertions.Expect(teacher.Locator("video[src$='/content']")).ToHaveCountAsync(2, new() { Timeout = Ms });

        // The verdicts follow from the evidence.
        var compliance = await (await school.TeacherAsync(app)).GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{sessionId}/compliance");
        var status = compliance.GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32(), c => c.GetProperty("status").GetString());
        foreach (var clause in new[] { 1, 3, 4, 6, 7, 9, 10, 11 })
        {
            Assert.True(status[clause] == "met", $"clause {clause} is {status[clause]}");
        }
        var hours = compliance.GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 3)
            .GetProperty("evidence").EnumerateArray().Select(e => e.GetRawText()).ToList();
        Assert.Contains(hours, e => e.Contains("within school hours (09:00", StringComparison.Ordinal));
    }
}
