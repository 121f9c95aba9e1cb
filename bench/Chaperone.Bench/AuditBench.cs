using System.Diagnostics;
using System.Globalization;
using System.Text;
using Chaperone.Audit;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;
using NpgsqlTypes;

namespace Chaperone.Bench;

/// <summary>
/// Audit verification benchmark (<c>bench/run.sh audit</c>): one school's chain of 1,000,000
/// sealed entries, written straight into a migrated database (SQLite file; PostgreSQL with
/// durability on), then verified by <see cref="AuditVerifier"/> exactly as the API and the
/// <c>verify-audit</c> command do. Target: under 10 seconds.
/// </summary>
public static class AuditBench
{
    public const double TargetSeconds = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var entries = int.Parse(Get("--entries") ?? "1000000", CultureInfo.InvariantCulture);
        var postgres = Get("--postgres") ?? Environment.GetEnvironmentVariable("CHAPERONE_BENCH_POSTGRES");
        var work = Get("--work") ?? Path.Combine(Path.GetTempPath(), "chaperone-bench");
        var output = Get("--out") ?? "bench/results/audit.md";
        Directory.CreateDirectory(work);

        var rows = new List<string>();
        var passed = true;
        var sqlite = $"Data Source={Path.Combine(work, $"audit-{Guid.NewGuid():N}.db")};Pooling=True";
        await using (var db = new SqliteChaperoneDbContext(new DbContextOptionsBuilder<SqliteChaperoneDbContext>().UseSqlite(sqlite).Options))
        {
            passed &= await MeasureAsync("Sqlite", db, entries, rows, FillSqliteAsync);
        }
        if (postgres is not null)
        {
            var database = "chaperone_audit_" + Guid.NewGuid().ToString("N")[..8];
            await using (var admin = new NpgsqlConnection(postgres))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
                await create.ExecuteNonQueryAsync();
            }
            var cs = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ToString();
            await using var db = new PostgresChaperoneDbContext(new DbContextOptionsBuilder<PostgresChaperoneDbContext>().UseNpgsql(cs).Options);
            passed &= await MeasureAsync("Postgres", db, entries, rows, FillPostgresAsync);
        }

        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Audit verification benchmark");
        sb.AppendLine();
        sb.AppendLine(c, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(c, $"- Machine: {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        sb.AppendLine(c, $"- Code: commit {Get("--commit") ?? "unknown"}");
        sb.AppendLine(c, $"- Load average before the runs: {LoadAverage()} (the machine is shared: a load far above its CPU count stretches wall-clock times; the CPU time this process spent verifying is shown beside each)");
        sb.AppendLine();
        sb.AppendLine("| Database | Entries | Write (setup) | Verify, first run | Verify, second run | Rate | Target | Result |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            sb.AppendLine(row);
        }
        sb.AppendLine();
        sb.AppendLine("How it is measured (`bench/run.sh audit`, source in `bench/Chaperone.Bench/AuditBench.cs`):");
        sb.AppendLine();
        sb.AppendLine("- A fresh database is migrated (so the audit table has its indexes and append-only triggers), then one school's chain of sealed entries is written in chain order with the same hashing code the sealer uses (SQLite: one transaction of prepared inserts; PostgreSQL: binary COPY), with its chain head. Entries look like real ones: an actor, an action, a session id and a small JSON detail.");
        sb.AppendLine("- Verification is `AuditVerifier.VerifyAsync`, the code behind `GET /api/v1/audit/verify` and `verify-audit`: one forward-only query in chain order, each hash recomputed from the previous one (SHA-256), positions checked gapless, the end checked against the chain head. Timed twice on a fresh context each time; the first run includes opening the connection and EF Core's query compilation.");
        sb.AppendLine("- PostgreSQL runs with `fsync` and `synchronous_commit` on (`bench/run.sh`); the SQLite file is in WAL mode on the repository's disk.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, sb.ToString());
        Console.WriteLine(sb);
        return passed ? 0 : 1;
    }

    private static async Task<bool> MeasureAsync(string name, ChaperoneDbContext db, int count, List<string> rows, Func<ChaperoneDbContext, Guid, int, Task> fill)
    {
        Console.WriteLine($"== {name}: migrating and writing {count} entries ==");
        if (db.Database.IsSqlite())
        {
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        await db.Database.MigrateAsync();
        var school = Guid.CreateVersion7();
        var write = Stopwatch.StartNew();
        await fill(db, school, count);
        write.Stop();

        var timings = new List<(double Seconds, double CpuSeconds, AuditVerification Result)>();
        for (var run = 0; run < 2; run++)
        {
            await using var fresh = (ChaperoneDbContext)Activator.CreateInstance(db.GetType(), db.GetService<IDbContextOptions>())!;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var result = await AuditVerifier.VerifyAsync(fresh, school, DateTimeOffset.UnixEpoch, CancellationToken.None);
            watch.Stop();
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            timings.Add((watch.Elapsed.TotalSeconds, cpuSeconds, result));
            Console.WriteLine($"{name} verify run {run + 1}: {watch.Elapsed.TotalSeconds:F2} s ({cpuSeconds:F2} s CPU in this process), valid={result.Valid}, entries={result.Entries}");
        }
        var ok = timings.All(t => t.Result.Valid && t.Result.Entries == count && t.Seconds < TargetSeconds);
        var c = CultureInfo.InvariantCulture;
        rows.Add(string.Create(c, $"| {name} | {count:N0} | {write.Elapsed.TotalSeconds:F1} s | {timings[0].Seconds:F2} s, {timings[0].CpuSeconds:F2} s CPU (valid: {timings[0].Result.Valid}) | {timings[1].Seconds:F2} s, {timings[1].CpuSeconds:F2} s CPU (valid: {timings[1].Result.Valid}) | {count / timings.Max(t => t.Seconds):N0} entries/s | < {TargetSeconds} s | **{(ok ? "PASS" : "FAIL")}** |"));
        return ok;
    }

    /// <summary>The chain's entries, sealed, in order: what the sealer would have written.</summary>
    private static IEnumerable<AuditEntry> Chain(Guid school, int count, byte[] head)
    {
        var previous = AuditChain.Genesis.ToArray();
        var start = new DateTimeOffset(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);
        var teacher = Guid.CreateVersion7();
        string[] actions = [AuditActions.SessionBooked, AuditActions.SessionRescheduled, AuditActions.SessionCancelled, AuditActions.SignedIn];
        for (var i = 1; i <= count; i++)
        {
            var entry = new AuditEntry
            {
                Id = i,
                SchoolId = school,
                At = AuditChain.ToStoredPrecision(start.AddSeconds(i * 3)),
                ActorId = teacher,
                ActorName = "Emma Hughes",
                Action = actions[i % actions.Length],
                SubjectType = AuditSubjects.Session,
                SubjectId = Guid.CreateVersion7().ToString("D"),
                Details = "{\"start\":\"2026-12-03T10:00:00+00:00\",\"end\":\"2026-12-03T10:30:00+00:00\",\"kind\":\"Support\"}",
                Position = i,
            };
            entry.Hash = AuditChain.Compute(entry, i, previous);
            previous = entry.Hash;
            yield return entry;
        }
        previous.CopyTo(head, 0);
    }

    private static async Task FillSqliteAsync(ChaperoneDbContext db, Guid school, int count)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var toBinary = new DateTimeOffsetToBinaryConverter();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO \"AuditEntries\" (\"Id\", \"SchoolId\", \"At\", \"ActorId\", \"ActorName\", \"Action\", \"SubjectType\", \"SubjectId\", \"Details\", \"FormatVersion\", \"Position\", \"Hash\") " +
            "VALUES ($id, $school, $at, $actor, $actorName, $action, $subjectType, $subjectId, $details, 1, $position, $hash)";
        var p = new[] { "$id", "$school", "$at", "$actor", "$actorName", "$action", "$subjectType", "$subjectId", "$details", "$position", "$hash" }
            .Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        var head = new byte[AuditChain.HashLength];
        // EF Core's SQLite provider keeps GUIDs as upper-case text; the ids are written the same way here.
        var schoolText = school.ToString("D").ToUpperInvariant();
        foreach (var e in Chain(school, count, head))
        {
            p[0].Value = e.Id;
            p[1].Value = schoolText;
            p[2].Value = toBinary.ConvertToProvider(e.At);
            p[3].Value = e.ActorId!.Value.ToString("D").ToUpperInvariant();
            p[4].Value = e.ActorName;
            p[5].Value = e.Action;
            p[6].Value = e.SubjectType;
            p[7].Value = e.SubjectId;
            p[8].Value = e.Details;
            p[9].Value = e.Position;
            p[10].Value = e.Hash;
            await insert.ExecuteNonQueryAsync();
        }
        await using var headInsert = connection.CreateCommand();
        headInsert.Transaction = transaction;
        headInsert.CommandText = "INSERT INTO \"AuditChainHeads\" (\"SchoolId\", \"Position\", \"Hash\") VALUES ($school, $position, $hash)";
        headInsert.Parameters.AddWithValue("$school", schoolText);
        headInsert.Parameters.AddWithValue("$position", (long)count);
        headInsert.Parameters.AddWithValue("$hash", head);
        await headInsert.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    private static async Task FillPostgresAsync(ChaperoneDbContext db, Guid school, int count)
    {
        await db.Database.OpenConnectionAsync();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var head = new byte[AuditChain.HashLength];
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"AuditEntries\" (\"Id\", \"SchoolId\", \"At\", \"ActorId\", \"ActorName\", \"Action\", \"SubjectType\", \"SubjectId\", \"Details\", \"FormatVersion\", \"Position\", \"Hash\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var e in Chain(school, count, head))
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(e.Id, NpgsqlDbType.Bigint);
                await copy.WriteAsync(e.SchoolId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(e.At, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(e.ActorId!.Value, NpgsqlDbType.Uuid);
                await copy.WriteAsync(e.ActorName, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.Action, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.SubjectType, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.SubjectId!, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.Details!, NpgsqlDbType.Varchar);
                await copy.WriteAsync(e.FormatVersion, NpgsqlDbType.Integer);
                await copy.WriteAsync(e.Position!.Value, NpgsqlDbType.Bigint);
                await copy.WriteAsync(e.Hash!, NpgsqlDbType.Bytea);
            }
            await copy.CompleteAsync();
        }
        await db.Database.ExecuteSqlRawAsync("INSERT INTO \"AuditChainHeads\" (\"SchoolId\", \"Position\", \"Hash\") VALUES ({0}, {1}, {2})", school, (long)count, head);
        await db.Database.ExecuteSqlRawAsync("ANALYZE \"AuditEntries\"");
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
