using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Teams;

/// <summary>
/// Clause 11 for a Teams session: Teams records who joined and left but not consent, the
/// expectations, the room or dress, so the teacher confirms those with the outcome; what they do
/// not confirm is a breach of its clause, and a corrected outcome replaces it.
/// </summary>
public abstract class TeamsOutcomeApiTests(TeamsApp app)
{
    [Fact]
    public async Task TheTeacherConfirmsWhatTeamsCannotRecordAndWhatIsNotConfirmedIsABreach()
    {
        var (school, id) = await TeamsSessionOverAsync();
        var teacher = await school.TeacherAsync(app);

        Assert.Equal(["confirmed[1]"], await Api.BadRequestFieldsAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", confirmed = new[] { "consent", "tea" } })));
        await Api.JsonAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", notes = "Reading practice.", confirmed = new[] { "consent", "expectations" } }), HttpStatusCode.OK);

        var clauses = await StatusesAsync(teacher, id);
        Assert.Equal("met", clauses[1]);
        Assert.Equal("breached", clauses[5]);
        Assert.Equal("met", clauses[7]);
        Assert.Equal("breached", clauses[9]);
        Assert.Equal("breached", clauses[10]);
        Assert.Equal("met", clauses[11]);
        Assert.Equal("ended", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());

        // The teacher had forgotten to tick two: the corrected outcome replaces the first.
        await Api.JsonAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", notes = "Reading practice.", confirmed = new[] { "consent", "teacher-pupil-only", "expectations", "room", "dress" } }), HttpStatusCode.OK);
        clauses = await StatusesAsync(teacher, id);
        Assert.All(new[] { 1, 5, 7, 9, 10, 11 }, c => Assert.Equal("met", clauses[c]));
        var outcome = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK);
        Assert.Equal(["consent", "teacher-pupil-only", "expectations", "room", "dress"], outcome.GetProperty("confirmed").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task ASeniorLeaderMarkingALeaversTeamsSessionConfirmsNothingOfTheCall()
    {
        var (school, id) = await TeamsSessionOverAsync();
        Assert.Equal(HttpStatusCode.OK, (await (await school.AdminAsync(app)).PutAsJsonAsync($"/api/v1/staff/{school.TeacherId}/access", new { active = false })).StatusCode);
        var slt = await school.SltAsync(app);

        Assert.Equal(["confirmed"], await Api.BadRequestFieldsAsync(await slt.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", confirmed = new[] { "consent" } })));
        await Api.JsonAsync(await slt.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", notes = "Teams shows the pupil and their mother joined; the teacher has left." }), HttpStatusCode.OK);

        // What only the teacher could have confirmed stays unconfirmed, and shows as such.
        var clauses = await StatusesAsync(slt, id);
        Assert.All(new[] { 1, 5, 7, 9, 10 }, c => Assert.Equal("breached", clauses[c]));
        Assert.Equal("met", clauses[11]);
    }

    /// <summary>A new school on Teams with a session of Toby and Mia Mother, the clock 35 minutes past its start.</summary>
    private async Task<(TestSchool School, string Id)> TeamsSessionOverAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        app.Graph.ServeMeeting(await app.UseTeamsAsync(school));
        var start = CallClient.NextSessionStart(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start, school.TwoParentPupil, school.Mother));
        app.Clock.SetUtcNow(start.AddMinutes(35));
        return (school, id);
    }

    private static async Task<Dictionary<int, string>> StatusesAsync(HttpClient client, string id) =>
        (await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32(), c => c.GetProperty("status").GetString()!);
}

public sealed class TeamsOutcomeApiOnSqlite(TeamsApp app) : TeamsOutcomeApiTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsOutcomeApiOnPostgres(PostgresTeamsApp app) : TeamsOutcomeApiTests(app), IClassFixture<PostgresTeamsApp>;
