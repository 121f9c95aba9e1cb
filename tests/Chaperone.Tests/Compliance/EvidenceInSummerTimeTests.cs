using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Compliance;

/// <summary>
/// A session's evidence gives its times in the school's zone, as the rest of its record does: in
/// British Summer Time a call at 10:00 UTC is at 11:00. The clock is moved on to June 2027, so each
/// database has an app of its own.
/// </summary>
public abstract class EvidenceInSummerTimeTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset June2027 = new(2027, 6, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheEvidenceOfACallInSummerGivesTheSchoolsTimesNotUtc()
    {
        if (app.Clock.GetUtcNow() < June2027)
        {
            app.Clock.SetUtcNow(June2027);
        }
        var school = await TestSchool.CreateAsync(app);
        // 10:00 UTC is 11:00 in London in June: consent at 09:57 UTC, the start at 10:00, the
        // expectations at 10:01, the family's part ended at 10:20 and the close at 10:21.
        var (id, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Fine.");
        Assert.Equal(6, start.Month);
        var teacher = await school.TeacherAsync(app);
        var concern = await Api.JsonAsync(await teacher.PostAsJsonAsync("/api/v1/concerns", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() }, sessionId = id.ToString(), kind = "behaviour",
            summary = "Shouting at a sibling", detail = "Toby shouted at his sister while we were talking.",
        }), HttpStatusCode.Created);
        var reference = concern.GetProperty("reference").GetString()!;

        var slt = await school.SltAsync(app);
        var clauses = (await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32());
        string Text(int clause, string rule) => clauses[clause].GetProperty("evidence").EnumerateArray()
            .Single(e => e.GetProperty("rule").GetString() == rule).GetProperty("text").GetString()!;

        Assert.Contains("at 10:57 and confirmed by the teacher", Text(1, "consent"), StringComparison.Ordinal);
        Assert.Equal("Teacher, pupil and supervising guardian were present when the session started at 11:00.", Text(4, "present-at-start"));
        Assert.Equal("The family's part ended at 11:20:00; the teacher closed the session at 11:21:00.", Text(6, "exit-order"));
        Assert.EndsWith(" at 11:01.", Text(7, "expectations-full"), StringComparison.Ordinal);
        Assert.Equal($"Concern {reference} was raised about this session at 11:21 and routed at once.", Text(12, "concern-raised"));
        Assert.DoesNotContain(clauses.Values.SelectMany(c => c.GetProperty("evidence").EnumerateArray()),
            e => e.GetProperty("text").GetString()!.Contains("UTC", StringComparison.Ordinal));

        // The session's page reads the same as the times it shows for the call.
        var page = WebUtility.HtmlDecode(await slt.GetStringAsync($"/sessions/{id}"));
        Assert.Contains("present when the session started at 11:00.", page, StringComparison.Ordinal);
        Assert.Contains("The family's part ended at 11:20:00; the teacher closed the session at 11:21:00.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("10:00 UTC", page, StringComparison.Ordinal);
    }
}

public sealed class EvidenceInSummerTimeOnSqlite(ChaperoneApp app) : EvidenceInSummerTimeTests(app), IClassFixture<ChaperoneApp>;

public sealed class EvidenceInSummerTimeOnPostgres(PostgresChaperoneApp app) : EvidenceInSummerTimeTests(app), IClassFixture<PostgresChaperoneApp>;
