using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Audit;

/// <summary>The <c>verify-audit</c> command: exit code 0 while every chain is intact, 1 and the broken entry named once one is not.</summary>
public abstract class VerifyAuditCommandTests(ChaperoneApp app)
{
    [Fact]
    public async Task VerifyAuditExitsZeroWhileIntactAndOneNamingTheEntryAfterTampering()
    {
        var school = await TestSchool.CreateAsync(app);
        await school.AdminAsync(app);
        await school.TeacherAsync(app);
        await AuditDb.WaitUntilSealedAsync(app, school.SchoolId);
        var intact = new StringWriter();

        Assert.Equal(0, await VerifyAuditCommand.RunAsync(app.Services, intact));
        Assert.Contains("Every audit trail is intact", intact.ToString());

        var chain = await AuditDb.ChainAsync(app, school.SchoolId);
        await AuditDb.TamperAsync(app, AuditDb.EditColumn(app.Db, "ActorName", chain[1].Id));
        var broken = new StringWriter();

        Assert.Equal(1, await VerifyAuditCommand.RunAsync(app.Services, broken));
        Assert.Contains("FAIL", broken.ToString());
        Assert.Contains($"First broken entry: {chain[1].Id} (position 2)", broken.ToString());
    }
}

public sealed class VerifyAuditCommandOnSqlite(ChaperoneApp app) : VerifyAuditCommandTests(app), IClassFixture<ChaperoneApp>;

public sealed class VerifyAuditCommandOnPostgres(PostgresChaperoneApp app) : VerifyAuditCommandTests(app), IClassFixture<PostgresChaperoneApp>;
