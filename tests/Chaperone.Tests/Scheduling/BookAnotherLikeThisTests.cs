using System.Net;
using Chaperone.Pages.Sessions;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// "Book another session like this": the schedule form opened from a session's page is filled in
/// as that session, at the same local time a week later (or the first week that gives the notice).
/// </summary>
public sealed class WeeksAfterTests
{
    private static readonly NodaTime.DateTimeZone London = NodaTime.DateTimeZoneProviders.Tzdb["Europe/London"];

    [Fact]
    public void AWeekLaterKeepsTheLocalTimeAcrossTheClockChange()
    {
        // Thursday 22 October 2026, 10:00 BST (09:00 UTC); the clocks go back on Sunday 25 October.
        var start = new DateTimeOffset(2026, 10, 22, 9, 0, 0, TimeSpan.Zero);

        var (weeks, next) = NewModel.WeeksAfter(start, London, start);

        Assert.Equal(1, weeks);
        Assert.Equal(new DateTimeOffset(2026, 10, 29, 10, 0, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void AnOldSessionGivesTheFirstWeekWithEnoughNotice()
    {
        var start = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero); // a Monday
        var earliest = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero); // 48 hours after Monday 30 November, 08:00

        var (weeks, next) = NewModel.WeeksAfter(start, London, earliest);

        Assert.Equal(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero), next);
        Assert.Equal(5, weeks);
        // Exactly the earliest moment is early enough.
        Assert.Equal((4, new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero)), NewModel.WeeksAfter(start, London, new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero)));
    }
}

/// <summary>The form opened with <c>?like=</c>, as a teacher's browser gets it; another teacher's session fills in nothing.</summary>
public sealed class BookAnotherLikeThisTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task TheFormIsFilledInAsTheSessionAWeekLaterAndChecked()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start, durationMinutes: 45));

        var details = WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/{id}"));
        Assert.Contains($"href=\"/sessions/new?like={id}\"", details, StringComparison.Ordinal);

        var page = WebUtility.HtmlDecode(await teacher.GetStringAsync($"/sessions/new?like={id}"));
        var (date, time) = LocalStart.ToForm(start.AddDays(7), Api.London);
        Assert.Contains("Filled in as the support session with Toby Twoparents", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"date\" name=\"Date\" type=\"date\" value=\"{date}\"", page, StringComparison.Ordinal);
        Assert.Contains($"value=\"{time}\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"45\"", page, StringComparison.Ordinal);
        Assert.Matches($"value=\"{school.TwoParentPupil}\"[^>]*checked", page);
        Assert.Matches($"value=\"{school.Mother}\"[^>]*checked", page);
        Assert.Contains("data-clause-table", page, StringComparison.Ordinal);
        Assert.Contains("The policy allows this session.", page, StringComparison.Ordinal);

        // Another teacher's session, or no session, fills in nothing.
        using var other = await school.OtherTeacherAsync(app);
        var theirs = WebUtility.HtmlDecode(await other.GetStringAsync($"/sessions/new?like={id}"));
        Assert.DoesNotContain("Filled in as", theirs, StringComparison.Ordinal);
        Assert.DoesNotContain($"value=\"{school.TwoParentPupil}\" checked", theirs, StringComparison.Ordinal);
        Assert.DoesNotContain("Filled in as", WebUtility.HtmlDecode(await teacher.GetStringAsync("/sessions/new?like=not-an-id")), StringComparison.Ordinal);
    }
}
