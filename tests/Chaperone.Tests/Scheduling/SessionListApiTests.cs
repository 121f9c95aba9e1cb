using System.Net;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>GET /api/v1/sessions: filters by time, teacher, pupil and status, in pages ordered by start.</summary>
public abstract class SessionListApiTests(ChaperoneApp app)
{
    private static DateTimeOffset Dec(int day, int hour) => new(2026, 12, day, hour, 0, 0, TimeSpan.Zero);

    private sealed record Booked(string Wed10, string Wed13Other, string Thu10Sibling, string Fri10Cancelled);

    private static async Task<Booked> BookWeekAsync(TestSchool school, HttpClient slt)
    {
        var wed10 = await TestSchool.BookOkAsync(slt, school.Booking(Dec(2, 10)));
        var wed13 = await TestSchool.BookOkAsync(slt, school.Booking(Dec(2, 13), school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId));
        var thu10 = await TestSchool.BookOkAsync(slt, school.Booking(Dec(3, 10), school.SiblingB, school.SharedParent));
        var fri10 = await TestSchool.BookOkAsync(slt, school.Booking(Dec(4, 10)));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(slt, fri10)).StatusCode);
        return new Booked(wed10, wed13, thu10, fri10);
    }

    private static async Task<(List<string> Ids, JsonElement Page)> ListAsync(HttpClient client, string query)
    {
        var page = await Api.JsonAsync(await client.GetAsync("/api/v1/sessions" + query), HttpStatusCode.OK);
        return (page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList(), page);
    }

    [Fact]
    public async Task FiltersSelectByTimeTeacherPupilAndStatus()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var b = await BookWeekAsync(school, slt);

        Assert.Equal([b.Wed10, b.Wed13Other, b.Thu10Sibling, b.Fri10Cancelled], (await ListAsync(slt, "")).Ids);
        Assert.Equal([b.Wed10, b.Wed13Other], (await ListAsync(slt, "?from=2026-12-02&to=2026-12-02")).Ids);
        Assert.Equal([b.Wed10, b.Wed13Other, b.Thu10Sibling], (await ListAsync(slt, "?from=2026-12-02&to=2026-12-03")).Ids);
        Assert.Equal([b.Wed13Other, b.Thu10Sibling], (await ListAsync(slt, "?from=2026-12-02T10:30:00Z&to=2026-12-03T10:00:01Z")).Ids);
        Assert.Equal([b.Wed13Other], (await ListAsync(slt, $"?teacherId={school.OtherTeacherId}")).Ids);
        Assert.Equal([b.Wed10, b.Fri10Cancelled], (await ListAsync(slt, $"?pupilId={school.TwoParentPupil}")).Ids);
        Assert.Equal([b.Fri10Cancelled], (await ListAsync(slt, "?status=cancelled")).Ids);
        Assert.Equal([b.Wed10], (await ListAsync(slt, $"?status=scheduled&pupilId={school.TwoParentPupil}&teacherId={school.TeacherId}")).Ids);
        Assert.Empty((await ListAsync(slt, "?status=ended")).Ids);
    }

    [Fact]
    public async Task PagesAreOrderedByStartAndCountTheWhole()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var b = await BookWeekAsync(school, slt);

        var (first, page1) = await ListAsync(slt, "?pageSize=3");
        var (second, page2) = await ListAsync(slt, "?pageSize=3&page=2");
        var (beyond, _) = await ListAsync(slt, "?pageSize=3&page=3");

        Assert.Equal([b.Wed10, b.Wed13Other, b.Thu10Sibling], first);
        Assert.Equal([b.Fri10Cancelled], second);
        Assert.Empty(beyond);
        Assert.Equal(4, page1.GetProperty("total").GetInt32());
        Assert.Equal(4, page2.GetProperty("total").GetInt32());
        Assert.Equal(2, page2.GetProperty("page").GetInt32());
        Assert.Equal(3, page2.GetProperty("pageSize").GetInt32());
    }

    [Fact]
    public async Task ATeachersListIsTheirOwnWhateverTheFilter()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var b = await BookWeekAsync(school, slt);
        var teacher = await school.TeacherAsync(app);

        Assert.Equal([b.Wed10, b.Thu10Sibling, b.Fri10Cancelled], (await ListAsync(teacher, "")).Ids);
        Assert.Empty((await ListAsync(teacher, $"?pupilId={school.SiblingA}")).Ids);
        Assert.Equal(3, (await ListAsync(teacher, "")).Page.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("?from=tomorrow", "from")]
    [InlineData("?to=2026-13-45", "to")]
    [InlineData("?to=9999-12-31", "to")]
    [InlineData("?from=0001-01-01", "from")]
    [InlineData("?teacherId=bob", "teacherId")]
    [InlineData("?pupilId=1", "pupilId")]
    [InlineData("?status=done", "status")]
    [InlineData("?status=1", "status")]
    [InlineData("?page=0", "page")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=100000", "pageSize")]
    [InlineData("?page=abc", "page")]
    [InlineData("?pageSize=99999999999", "pageSize")]
    public async Task InvalidFiltersAre400NamingTheField(string query, string field)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SltAsync(app);

        var response = await client.GetAsync("/api/v1/sessions" + query);

        Assert.Contains(field, await Api.BadRequestFieldsAsync(response));
    }

    [Fact]
    public async Task APageBeyondTheLastIsEmptyAndAnImpossiblyFarOneIs400()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.SltAsync(app);
        await TestSchool.BookOkAsync(client, school.Booking(Dec(2, 10)));

        var (ids, page) = await ListAsync(client, "?page=1000&pageSize=200");
        var tooFar = await client.GetAsync($"/api/v1/sessions?page={int.MaxValue}&pageSize=200");

        Assert.Empty(ids);
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Equal(["page"], await Api.BadRequestFieldsAsync(tooFar));
    }
}

public sealed class SessionListApiOnSqlite(ChaperoneApp app) : SessionListApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class SessionListApiOnPostgres(PostgresChaperoneApp app) : SessionListApiTests(app), IClassFixture<PostgresChaperoneApp>;
