using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Chaperone.Schools;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Schools;

/// <summary>The README's <c>add-school</c> command: a school with the policy's defaults and its first admin, whose printed password signs in once and must then be changed.</summary>
public abstract partial class AddSchoolCommandTests(ChaperoneApp app)
{
    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        await using var output = new StringWriter();
        var code = await AddSchoolCommand.RunAsync(app.Services, args, output);
        return (code, output.ToString());
    }

    [Fact]
    public async Task AddsASchoolWhoseAdminSignsInWithThePrintedPasswordAndIsAskedToChooseTheirOwn()
    {
        var email = $"admin.{Guid.NewGuid():N}@roche.test";

        var (code, output) = await RunAsync("Roche CP School", email, "Pat Admin");

        Assert.Equal(0, code);
        var password = PrintedPassword().Match(output).Groups[1].Value;
        var login = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var admin = await app.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        Assert.Equal("Pat Admin", admin.Name);
        Assert.True(admin.MustChangePassword);
        Assert.Equal("Roche CP School", await app.WithDbAsync(db => db.Schools.Where(s => s.Id == admin.SchoolId).Select(s => s.Name).SingleAsync()));

        // The same address again is refused; so are missing or malformed arguments.
        Assert.Equal(1, (await RunAsync("Another School", email)).Code);
        Assert.Equal(2, (await RunAsync("Another School")).Code);
        Assert.Equal(2, (await RunAsync("Another School", "not-an-address")).Code);
    }

    [Theory]
    [InlineData("\u200b\u3000", "Pat Admin", "usage")]
    [InlineData("Roche \u202eLOOHCS", "Pat Admin", "The school's name has characters that change the direction of text: please type it again.")]
    [InlineData("Roche CP School", "Pat \u2067Admin\u2069", "The admin's name: The name has characters that change the direction of text: please type it again.")]
    [InlineData("Roche CP School", "\ufeff", "The admin's name: A name is required.")]
    public async Task ASchoolOrAdminNameWithNothingVisibleOrThatChangesTheDirectionOfTextIsRefused(string school, string adminName, string said)
    {
        var email = $"admin.{Guid.NewGuid():N}@roche.test";

        var (code, output) = await RunAsync(school, email, adminName);

        Assert.Equal(2, code);
        Assert.Contains(said, output, StringComparison.Ordinal);
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [GeneratedRegex(@"initial password: (cp-[0-9a-f]{18})")]
    private static partial Regex PrintedPassword();
}

public sealed class AddSchoolCommandOnSqlite(ChaperoneApp app) : AddSchoolCommandTests(app), IClassFixture<ChaperoneApp>;

public sealed class AddSchoolCommandOnPostgres(PostgresChaperoneApp app) : AddSchoolCommandTests(app), IClassFixture<PostgresChaperoneApp>;
