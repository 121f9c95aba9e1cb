using System.Net;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Retention;

/// <summary>The deletion register's paging, through the API and the page, on each database: any page number answers, never a 500.</summary>
public abstract class DeletionRegisterPagingTests(ChaperoneApp app)
{
    [Theory]
    [InlineData(2147483647, 500)]
    [InlineData(21474838, 100)]
    [InlineData(4294969, 500)]
    public async Task APageFarPastTheEndIsEmpty(int page, int pageSize)
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var register = await Api.JsonAsync(await admin.GetAsync($"/api/v1/retention/deletions?page={page}&pageSize={pageSize}"), HttpStatusCode.OK);
        Assert.Empty(register.GetProperty("items").EnumerateArray());
        Assert.Equal(page, register.GetProperty("page").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/retention/deletions?p={page}")).StatusCode);
    }
}

public sealed class DeletionRegisterPagingOnSqlite(ChaperoneApp app) : DeletionRegisterPagingTests(app), IClassFixture<ChaperoneApp>;

public sealed class DeletionRegisterPagingOnPostgres(PostgresChaperoneApp app) : DeletionRegisterPagingTests(app), IClassFixture<PostgresChaperoneApp>;
