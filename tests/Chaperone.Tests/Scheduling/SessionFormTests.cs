using System.Net;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The staff's session forms (schedule, move, cancel) used as a person uses them: what is refused is
/// said on the field to change, and nothing typed is lost. "Now" is Monday 30 November 2026, 08:00 UTC.
/// </summary>
public abstract class SessionFormTests(ChaperoneApp app)
{
    private DateTimeOffset Now => app.Clock.GetUtcNow();

    private async Task<(TestSchool School, HttpClient Teacher, string SessionId)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Now.AddHours(50), 10)));
        return (school, teacher, id);
    }

    [Theory]
    [InlineData("2026-12-03", "18:00", "30", "time", "Clause 3")]
    [InlineData("2026-12-03", "07:00", "30", "time", "Clause 3")]
    [InlineData("2026-12-05", "10:00", "30", "date", "Saturday 5 December 2026 is not a school day")]
    [InlineData("2026-12-01", "10:00", "30", "date", "Clause 8")]
    [InlineData("2026-12-03", "10:00", "200", "duration", "200 was asked for")]
    public async Task MovingASessionWherePolicyRefusesSaysSoOnTheFieldToChange(string date, string time, string minutes, string field, string said)
    {
        var (_, teacher, id) = await BookedAsync();

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(teacher, $"/sessions/{id}", "Reschedule", ("Date", date), ("Time", time), ("DurationMinutes", minutes)));

        var summary = PageForms.Summary(page);
        Assert.Equal([field], summary.Select(e => e.Field).Distinct());
        Assert.Contains(said, PageForms.FieldError(page, field), StringComparison.Ordinal);
        Assert.Equal((date, time, minutes), (PageForms.Value(page, "date"), PageForms.Value(page, "time"), PageForms.Value(page, "duration")));
    }

    [Fact]
    public async Task MovingASessionOntoAnotherOfTheTeachersSaysSoOnTheTime()
    {
        var (school, teacher, id) = await BookedAsync();
        await TestSchool.BookOkAsync(teacher, school.Booking(Api.InLondon(2026, 12, 3, 11), pupil: school.SiblingA, guardian: school.SharedParent));

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(teacher, $"/sessions/{id}", "Reschedule", ("Date", "2026-12-03"), ("Time", "11:00"), ("DurationMinutes", "30")));

        Assert.Equal(["time"], PageForms.Summary(page).Select(e => e.Field).Distinct());
        Assert.Contains("already has a session", PageForms.FieldError(page, "time"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANulInTheCancellationReasonIsRefusedOnItsFieldKeepingTheRestOfTheText()
    {
        var (_, teacher, id) = await BookedAsync();

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(teacher, $"/sessions/{id}", "Cancel", ("Reason", "The teacher is ill\u0000 today.\r\nSorry.")));

        Assert.Contains("a character that cannot be kept", PageForms.FieldError(page, "reason"), StringComparison.Ordinal);
        Assert.Equal([("reason", PageForms.FieldError(page, "reason")!)], PageForms.Summary(page));
        Assert.Equal("The teacher is ill today.\nSorry.", PageForms.Value(page, "reason")!.ReplaceLineEndings("\n"));
        Assert.Equal(Chaperone.Scheduling.SessionStatus.Scheduled, await app.WithDbAsync(db => db.Sessions.Where(s => s.Id == Guid.Parse(id)).Select(s => s.Status).SingleAsync()));
    }

    [Fact]
    public async Task TheScheduleFormSaysBesideASiblingsParentThatTheyAreTickedForBothChildren()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);

        using var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await teacher.GetStringAsync("/sessions/new"));
        string[] About(Guid guardian) => page.QuerySelectorAll($"input[name=GuardianIds][value='{guardian}']")
            .Select(box => page.GetElementById(box.GetAttribute("aria-describedby")!)!.TextContent).ToArray();

        Assert.Equal(2, About(school.SharedParent).Length);
        Assert.Single(About(school.SharedParent), about => about.Contains(
            "Also the parent or carer of Ben Sibling: the same person, invited once; ticking or unticking them here does the same under Ben Sibling.", StringComparison.Ordinal));
        Assert.Single(About(school.SharedParent), about => about.Contains("Also the parent or carer of Ava Sibling", StringComparison.Ordinal));
        // A parent of one child only has no such note.
        Assert.DoesNotContain("Also the parent or carer", Assert.Single(About(school.Mother)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchedulingOutsideSchoolHoursSaysSoOnTheTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);

        var page = await PageForms.RefusedAsync(await PageForms.SendAsync(teacher, "/sessions/new", "Book",
            ("Kind", "support"), ("PupilIds", school.TwoParentPupil.ToString()), ("GuardianIds", school.Mother.ToString()),
            ("Date", "2026-12-03"), ("Time", "17:30"), ("DurationMinutes", "30")));

        Assert.Equal(["time"], PageForms.Summary(page).Select(e => e.Field).Distinct());
        Assert.Contains("Clause 3", PageForms.FieldError(page, "time"), StringComparison.Ordinal);
        Assert.Null(PageForms.FieldError(page, "date"));
        Assert.Equal(0, await school.SessionCountAsync(app));
    }
}

public sealed class SessionFormsOnSqlite(ChaperoneApp app) : SessionFormTests(app), IClassFixture<ChaperoneApp>;

public sealed class SessionFormsOnPostgres(PostgresChaperoneApp app) : SessionFormTests(app), IClassFixture<PostgresChaperoneApp>;
