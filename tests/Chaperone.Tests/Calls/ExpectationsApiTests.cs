using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Calls;

/// <summary>
/// Clause 7 across sessions, through the hub and the session record: the full expectations until
/// every pupil of the session has had a call with the teacher (a session the pupil did not attend
/// does not count; a sibling joining for the first time hears them in full), the brief reminder after.
/// </summary>
public abstract class ExpectationsApiTests(ChaperoneApp app)
{
    private async Task<string> HeldAsync(TestSchool school, params Guid[] pupils)
    {
        var start = CallClient.NextSessionStart(app);
        var body = new
        {
            teacherId = school.TeacherId.ToString(),
            pupilIds = pupils.Select(p => p.ToString()).ToArray(),
            guardianIds = new[] { school.SharedParent.ToString() },
            kind = "support",
            start = Api.Rfc3339(start),
            durationMinutes = 30,
        };
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), body));
        await CallClient.RunCallAsync(app, school, id, start, "completed", "", pupils: pupils, guardian: school.SharedParent);
        var record = await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        return record.GetProperty("expectations").GetProperty("version").GetString()!;
    }

    [Fact]
    public async Task TheFullExpectationsAreGivenUntilEveryPupilHasHadACallWithTheTeacher()
    {
        var school = await TestSchool.CreateAsync(app);
        var missedStart = CallClient.NextSessionStart(app);
        var missed = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(missedStart, school.SiblingA, school.SharedParent));
        app.Clock.SetUtcNow(missedStart.AddMinutes(15));
        await Api.JsonAsync(await (await school.TeacherAsync(app)).PostAsJsonAsync($"/api/v1/sessions/{missed}/outcome", new { outcome = "did-not-attend" }), HttpStatusCode.OK);

        Assert.Equal("full", await HeldAsync(school, school.SiblingA)); // the missed session does not count
        Assert.Equal("brief", await HeldAsync(school, school.SiblingA));
        Assert.Equal("full", await HeldAsync(school, school.SiblingA, school.SiblingB)); // Ben's first
        Assert.Equal("brief", await HeldAsync(school, school.SiblingA, school.SiblingB));
    }
}

public sealed class ExpectationsApiOnSqlite(ChaperoneApp app) : ExpectationsApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ExpectationsApiOnPostgres(PostgresChaperoneApp app) : ExpectationsApiTests(app), IClassFixture<PostgresChaperoneApp>;
