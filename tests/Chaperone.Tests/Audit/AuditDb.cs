using System.Data.Common;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Audit;

/// <summary>Reaching into the audit table as someone with database access would: raw SQL, triggers dropped.</summary>
public static class AuditDb
{
    /// <summary>Waits (at most 15 s) until the sealer has sealed every entry of the school.</summary>
    public static async Task WaitUntilSealedAsync(ChaperoneApp app, Guid schoolId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == schoolId && e.Position == null)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The sealer did not seal the school's audit entries within 15 seconds.");
            await Task.Delay(50);
        }
    }

    /// <summary>The school's sealed entries in chain order.</summary>
    public static Task<List<AuditEntry>> ChainAsync(ChaperoneApp app, Guid schoolId) =>
        app.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == schoolId && e.Position != null).OrderBy(e => e.Position).ToListAsync());

    /// <summary>Runs SQL against the database as it is.</summary>
    public static Task<int> SqlAsync(ChaperoneApp app, string sql) => app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql));

    /// <summary>Drops the append-only triggers, runs <paramref name="sql"/>, and puts the triggers back.</summary>
    public static async Task TamperAsync(ChaperoneApp app, string sql)
    {
        if (app.Db == Db.Postgres)
        {
            await SqlAsync(app, AuditStorage.PostgresDropTriggers);
            try
            {
                await SqlAsync(app, sql);
            }
            finally
            {
                await SqlAsync(app, AuditStorage.PostgresTriggers);
            }
            return;
        }
        foreach (var drop in AuditStorage.SqliteDropTriggers)
        {
            await SqlAsync(app, drop);
        }
        try
        {
            await SqlAsync(app, sql);
        }
        finally
        {
            foreach (var create in AuditStorage.SqliteTriggers)
            {
                await SqlAsync(app, create);
            }
        }
    }

    /// <summary>An UPDATE that changes one column of entry <paramref name="id"/>, in the database's own dialect.</summary>
    public static string EditColumn(Db db, string column, long id)
    {
        var set = (column, db) switch
        {
            ("At", Db.Sqlite) => "\"At\" = \"At\" + 2048000",
            ("At", Db.Postgres) => "\"At\" = \"At\" + interval '1 second'",
            ("Hash", Db.Sqlite) => "\"Hash\" = zeroblob(32)",
            ("Hash", Db.Postgres) => "\"Hash\" = decode(repeat('00', 32), 'hex')",
            ("ActorId", _) => "\"ActorId\" = NULL",
            ("FormatVersion", _) => "\"FormatVersion\" = 2",
            ("Id", _) => "\"Id\" = \"Id\" + 1000000",
            _ => $"\"{column}\" = 'edited'",
        };
        return $"UPDATE \"AuditEntries\" SET {set} WHERE \"Id\" = {id}";
    }

    public static bool IsRefusal(Exception e) => e is DbException || e.InnerException is DbException;
}
