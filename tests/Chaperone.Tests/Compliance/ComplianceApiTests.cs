using System.Net;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Compliance;

/// <summary>The per-clause verdicts of a session, as leaders read them.</summary>
public abstract class ComplianceApiTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
    private static readonly int[] SettledAtBooking = [2, 3, 4, 8];

    [Fact]
    public async Task AfterBookingClauses2348AreMetWithEvidenceAndTheRestPending()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var clauses = await ClausesAsync(client, id);

        Assert.Equal(Enumerable.Range(1, 12), clauses.Keys.Order());
        foreach (var (number, clause) in clauses)
        {
            var status = clause.GetProperty("status").GetString();
            if (SettledAtBooking.Contains(number))
            {
                Assert.True(status == "met", $"Clause {number} is {status}");
                Assert.NotEmpty(clause.GetProperty("evidence").EnumerateArray());
            }
            else
            {
                Assert.True(status == "pending", $"Clause {number} is {status}");
            }
        }
        Assert.Contains(clauses[8].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "minimum-notice");
        Assert.Contains(clauses[8].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "guardian-email");
        Assert.Contains(clauses[3].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "school-hours");
        Assert.Contains(clauses[2].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "platform-familiarisation");
    }

    [Fact]
    public async Task AfterCancellingTheClausesThatNeedTheCallAreNotApplicable()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(client, id)).StatusCode);

        var clauses = await ClausesAsync(client, id);

        foreach (var (number, clause) in clauses.Where(c => !SettledAtBooking.Contains(c.Key)))
        {
            Assert.True(clause.GetProperty("status").GetString() == "not-applicable", $"Clause {number} is {clause.GetProperty("status").GetString()}");
        }
        Assert.DoesNotContain(clauses.Values, c => c.GetProperty("status").GetString() is "pending" or "breached");
    }

    [Fact]
    public async Task AfterReschedulingTheEvidenceDescribesTheNewTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(client, id, Thursday10.AddDays(1).AddHours(3))).StatusCode);

        var clauses = await ClausesAsync(client, id);

        var hours = clauses[3].GetProperty("evidence").EnumerateArray().Where(e => e.GetProperty("rule").GetString() == "school-hours").ToList();
        var only = Assert.Single(hours);
        Assert.Contains("13:00", only.GetProperty("text").GetString()!, StringComparison.Ordinal);
        Assert.Equal("met", clauses[3].GetProperty("status").GetString());
    }

    private static async Task<Dictionary<int, JsonElement>> ClausesAsync(HttpClient client, string id)
    {
        var compliance = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK);
        return compliance.GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32());
    }
}

public sealed class ComplianceApiOnSqlite(ChaperoneApp app) : ComplianceApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ComplianceApiOnPostgres(PostgresChaperoneApp app) : ComplianceApiTests(app), IClassFixture<PostgresChaperoneApp>;
