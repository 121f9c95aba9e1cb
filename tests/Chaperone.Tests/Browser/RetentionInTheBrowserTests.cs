using System.Text;
using System.Text.RegularExpressions;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Chaperone.Tests.Browser.BrowserSteps;

namespace Chaperone.Tests.Browser;

/// <summary>
/// Clause 2 in a real browser: the demo DSL puts a recording on hold with a reason (after being
/// told one is needed); the admin records the face-to-face date on the retention page (after being
/// told the date is missing); the deletion register then shows the other recording deleted.
/// </summary>
public sealed class RetentionInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    private ChaperoneApp App => browser.App;

    /// <summary>A past session of teacher1@ with two recordings made through the store.</summary>
    private async Task<(Guid SessionId, Recording Kept, Recording Deleted)> SessionWithRecordingsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<RecordingStore>();
        var teacher = await db.Users.SingleAsync(u => u.Email == "teacher1@demo.school");
        var pupil = await db.Pupils.FirstAsync(p => p.SchoolId == teacher.SchoolId);
        var start = App.Clock.GetUtcNow().AddDays(-7);
        var session = new Session
        {
            SchoolId = teacher.SchoolId, TeacherId = teacher.Id, Kind = SessionKind.Support, Status = SessionStatus.Ended,
            Start = start, End = start.AddMinutes(30), DurationMinutes = 30, BookedAt = start.AddDays(-3), BookedById = teacher.Id,
        };
        session.Pupils.Add(new SessionPupil { SchoolId = teacher.SchoolId, SessionId = session.Id, PupilId = pupil.Id });
        db.Add(session);
        var recordings = new List<Recording>();
        for (var i = 0; i < 2; i++)
        {
            var r = store.Begin(teacher.SchoolId, session.Id, CallProviders.BuiltIn, start.AddMinutes(i), "video/webm");
            await store.WriteChunkAsync(r, 0, Encoding.ASCII.GetBytes("webm " + new string('v', 2000)), CancellationToken.None);
            r.Chunks = 1;
            r.Bytes = 2005;
            db.Add(r);
            recordings.Add(r);
        }
        await db.SaveChangesAsync();
        return (session.Id, recordings[0], recordings[1]);
    }

    [Fact]
    public async Task TheDslHoldsOneRecordingWithAReasonAndTheAdminsFaceToFaceDateDeletesTheOther()
    {
        var (sessionId, kept, deleted) = await SessionWithRecordingsAsync();

        var dsl = await browser.NewPageAsync();
        await SignInWithTwoFactorsAsync(dsl, App, "dsl@demo.school");
        await dsl.GotoAsync($"/sessions/{sessionId}/recordings");
        var first = dsl.GetByRole(AriaRole.Figure).First;
        await first.GetByRole(AriaRole.Button, new() { Name = "Put on hold" }).ClickAsync();
        await Assertions.Expect(dsl.Locator("[data-error-summary]")).ToContainTextAsync("Say why this recording must be kept", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(dsl);
        await dsl.GetByRole(AriaRole.Figure).First.GetByLabel("Why this recording must be kept past retention").FillAsync("The pupil disclosed something during the call.");
        await dsl.GetByRole(AriaRole.Figure).First.GetByRole(AriaRole.Button, new() { Name = "Put on hold" }).ClickAsync();
        await Assertions.Expect(dsl.GetByRole(AriaRole.Status)).ToContainTextAsync("The recording is on hold", new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).First).ToContainTextAsync("On hold since", new() { Timeout = Ms });
        // Times in the school's words and zone, as everywhere else, not a raw UTC timestamp; the reason as written, not doubled stops.
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).First).ToContainTextAsync($"Started {Chaperone.Pages.Display.At(kept.StartedAt, Api.London)};", new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).First).ToContainTextAsync($"On hold since {Chaperone.Pages.Display.At(App.Clock.GetUtcNow(), Api.London)}: The pupil disclosed something during the call.", new() { Timeout = Ms });
        await Assertions.Expect(dsl.Locator("main")).Not.ToContainTextAsync(new Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z|\.\."), new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).First).ToContainTextAsync("it is deleted at the next run, and cannot be got back", new() { Timeout = Ms });
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).First.GetByRole(AriaRole.Button, new() { Name = "Lift the hold" })).ToBeVisibleAsync(new() { Timeout = Ms });

        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, "admin@demo.school");
        await Nav(admin).GetByRole(AriaRole.Link, new() { Name = "Retention" }).ClickAsync();
        await admin.WaitForPageAsync(new Regex("/admin/retention$"));
        await Assertions.Expect(admin.GetByLabel("Concerns (child protection records): years after the pupil's date of birth")).ToHaveValueAsync("25", new() { Timeout = Ms });
        await Assertions.Expect(admin.GetByLabel("Attendance and intervention records (sessions, attendance and call events, consent, notes): years after the session")).ToHaveValueAsync("6", new() { Timeout = Ms });
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the date" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-error-summary]")).ToContainTextAsync("Give the date face-to-face teaching resumed", new() { Timeout = Ms });
        await AssertEveryControlIsLabelledAsync(admin);
        await admin.GetByLabel("Date face-to-face teaching resumed").FillAsync(App.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save the date" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("The date is saved", new() { Timeout = Ms });

        // The worker deletes the recording not on hold; the register shows it with its hash.
        var until = DateTime.UtcNow + BrowserApp.Timeout;
        while (await App.WithDbAsync(db => db.Set<Recording>().Where(r => r.Id == deleted.Id).Select(r => r.DeletedAt).SingleAsync()) is null)
        {
            Assert.True(DateTime.UtcNow < until, "The recording was not deleted.");
            await Task.Delay(100);
        }
        await Nav(admin).GetByRole(AriaRole.Link, new() { Name = "Deletion register" }).ClickAsync();
        var row = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = deleted.SessionId.ToString("N") });
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = Ms });
        var hash = await App.WithDbAsync(db => db.Set<Recording>().Where(r => r.Id == deleted.Id).Select(r => r.ContentHash).SingleAsync());
        await Assertions.Expect(row).ToContainTextAsync(hash!, new() { Timeout = Ms });
        await Assertions.Expect(row).ToContainTextAsync("face-to-face teaching resumed", new() { Timeout = Ms });
        await ScreenshotAsync(admin, "deletion-register.png");

        await dsl.ReloadAsync();
        await Assertions.Expect(dsl.GetByRole(AriaRole.Figure).Nth(1)).ToContainTextAsync("Deleted ", new() { Timeout = Ms });
        Assert.Null(await App.WithDbAsync(db => db.Set<Recording>().Where(r => r.Id == kept.Id).Select(r => r.DeletedAt).SingleAsync()));
    }
}
