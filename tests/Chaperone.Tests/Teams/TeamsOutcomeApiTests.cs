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

    [Fact]
    public async Task InASmallGroupTheTeacherConfirmsEachChildsConsentOnItsOwn()
    {
        var school = await TestSchool.CreateAsync(app);
        app.Graph.ServeMeeting(await app.UseTeamsAsync(school));
        var start = CallClient.NextSessionStart(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.GroupBooking(start));
        app.Clock.SetUtcNow(start.AddMinutes(35));
        var teacher = await school.TeacherAsync(app);
        var (toby, ava) = ($"consent:{school.TwoParentPupil}", $"consent:{school.SiblingA}");
        string[] others = ["teacher-pupil-only", "expectations", "room", "dress"];

        // Only the session's own children have a consent to confirm.
        Assert.Equal(["confirmed[1]"], await Api.BadRequestFieldsAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", confirmed = new[] { toby, $"consent:{school.SiblingB}" } })));

        // Ava's mother was not there at the start: only Toby's consent is confirmed, and clause 1 names Ava.
        await Api.JsonAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", notes = "Ava's mother joined late.", confirmed = (string[])[toby, .. others] }), HttpStatusCode.OK);
        var clause1 = (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 1);
        Assert.Equal("breached", clause1.GetProperty("status").GetString());
        var items = clause1.GetProperty("evidence").EnumerateArray().Where(e => e.GetProperty("rule").GetString() == "teams-consent").ToList();
        Assert.Equal(2, items.Count);
        Assert.Contains(items, e => e.GetProperty("passed").GetBoolean() && e.GetProperty("text").GetString()!.Contains("For Toby Twoparents,", StringComparison.Ordinal));
        Assert.Contains(items, e => !e.GetProperty("passed").GetBoolean() && e.GetProperty("text").GetString()!.Contains("for Ava Sibling", StringComparison.Ordinal));

        // Each child's record of intervention says whether their consent was confirmed.
        var range = $"from={start.UtcDateTime:yyyy-MM-dd}&to={start.UtcDateTime:yyyy-MM-dd}";
        async Task<string> ConsentOf(Guid pupil) =>
            Assert.Single((await Api.JsonAsync(await teacher.GetAsync($"/api/v1/pupils/{pupil}/record-of-intervention?{range}"), HttpStatusCode.OK))
                .GetProperty("rows").EnumerateArray()).GetProperty("consent").GetString()!;
        Assert.StartsWith("Confirmed by the teacher with the outcome", await ConsentOf(school.TwoParentPupil));
        Assert.Equal("Not confirmed by the teacher", await ConsentOf(school.SiblingA));

        // "consent" confirms every child's at once, and the corrected outcome replaces the first.
        await Api.JsonAsync(await teacher.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome",
            new { outcome = "completed", notes = "Both families were there throughout.", confirmed = (string[])["consent", .. others] }), HttpStatusCode.OK);
        Assert.Equal("met", (await StatusesAsync(teacher, id))[1]);
        var outcome = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK);
        Assert.Equal(new[] { toby, ava }.Order(), outcome.GetProperty("confirmed").EnumerateArray().Select(c => c.GetString()!).Where(c => c.StartsWith("consent", StringComparison.Ordinal)).Order());
        Assert.StartsWith("Confirmed by the teacher with the outcome", await ConsentOf(school.SiblingA));
        var record = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        Assert.Contains(ava, record.GetProperty("confirmed").EnumerateArray().Select(c => c.GetString()));

        // Ava's subject access export holds her own consent's confirmation, not Toby's.
        var export = await Api.JsonAsync(await (await school.DslAsync(app)).GetAsync($"/api/v1/pupils/{school.SiblingA}/subject-access"), HttpStatusCode.OK);
        var confirmed = Assert.Single(export.GetProperty("sessions").EnumerateArray()).GetProperty("confirmed").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains(ava, confirmed);
        Assert.DoesNotContain(toby, confirmed);
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
