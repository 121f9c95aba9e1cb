using System.Security.Cryptography;
using System.Text;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Audit;

/// <summary>
/// Seals audit entries into their school's hash chain: each unsealed entry, in insertion order,
/// gets the next position and its hash (<see cref="AuditChain"/>), and the school's chain head
/// moves on. Runs in the background, woken when entries commit (<see cref="AuditSignal"/>) and
/// every <see cref="Interval"/> in case a wake-up was missed. One sealer works on a school at a
/// time: on PostgreSQL a transaction-scoped advisory lock per school (so any number of nodes may
/// run this), on SQLite the process's write gate and the database's own write lock.
/// </summary>
public sealed class AuditSealer(IServiceScopeFactory scopes, AuditSignal signal, ILogger<AuditSealer> log) : BackgroundService
{
    /// <summary>The longest an entry waits to be sealed when no wake-up reaches the sealer.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How long the sealer lets entries gather after a wake-up before sealing them.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> sealing is traced on (one <c>audit.seal</c> activity per school sealed).</summary>
    public const string TracingSource = "Chaperone.Audit";

    private static readonly System.Diagnostics.ActivitySource Tracing = new(TracingSource);

    /// <summary>Entries sealed in one transaction (a few milliseconds of SQLite's write turn).</summary>
    private const int Batch = 500;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A pause, not a reading of the time: the interval only bounds how long a missed wake-up can delay sealing.
                if (await signal.WaitAsync(Interval, stoppingToken))
                {
                    // Let a burst of commits gather, so that one pass seals them all and busy
                    // writers are not interrupted once per commit.
                    await Task.Delay(Gather, stoppingToken);
                }
                await SealPendingAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The sealer must outlive any one failure (a database restart, say); it tries again next time.
            catch (Exception e)
#pragma warning restore CA1031
            {
                log.LogWarning(e, "Sealing audit entries failed; trying again shortly.");
            }
        }
    }

    public override void Dispose()
    {
        _oneAtATime.Dispose();
        base.Dispose();
    }

    /// <summary>Seals every unsealed entry of every school; answers how many it sealed.</summary>
    public async Task<int> SealPendingAsync(CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            var schools = await db.AuditEntries.Where(e => e.Position == null).Select(e => e.SchoolId).Distinct().ToListAsync(ct);
            var sealedCount = 0;
            foreach (var school in schools)
            {
                using var activity = Tracing.StartActivity("audit.seal");
                sealedCount += await SealSchoolAsync(db, school, ct);
                db.ChangeTracker.Clear();
            }
            return sealedCount;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// Seals the school's unsealed entries, <see cref="Batch"/> at a time, each batch in a
    /// transaction of its own that reads the chain head, seals and moves the head on. So a backlog
    /// (after a burst of bookings, say) holds SQLite's write turn for one batch at a time, with
    /// bookings committing in between, rather than for the whole backlog.
    /// </summary>
    private static async Task<int> SealSchoolAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var (sealedNow, more) = await SealBatchAsync(db, schoolId, ct);
            total += sealedNow;
            db.ChangeTracker.Clear();
            if (!more)
            {
                return total;
            }
        }
    }

    /// <summary>Seals the school's next batch; answers how many it sealed and whether more may be waiting.</summary>
    private static async Task<(int Sealed, bool More)> SealBatchAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        await using var transaction = await BeginForSchoolAsync(db, schoolId, ct);
        if (transaction is null)
        {
            return (0, false); // another node is sealing this school now
        }
        var batch = await db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == schoolId && e.Position == null).OrderBy(e => e.Id).Take(Batch).ToListAsync(ct);
        if (batch.Count == 0)
        {
            return (0, false);
        }
        var head = await db.AuditChainHeads.FirstOrDefaultAsync(h => h.SchoolId == schoolId, ct);
        var position = head?.Position ?? 0;
        var previous = head?.Hash ?? AuditChain.Genesis.ToArray();
        var seals = new List<object>(batch.Count * 3);
        foreach (var entry in batch)
        {
            position++;
            var hash = AuditChain.Compute(entry, position, previous);
            seals.Add(entry.Id);
            seals.Add(position);
            seals.Add(hash);
            previous = hash;
        }
        await WriteSealsAsync(db, seals, ct);
        if (head is null)
        {
            db.AuditChainHeads.Add(new AuditChainHead { SchoolId = schoolId, Position = position, Hash = previous });
        }
        else
        {
            head.Position = position;
            head.Hash = previous;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (batch.Count, batch.Count == Batch);
    }

    /// <summary>
    /// Writes positions and hashes (id, position, hash, …) with one set-based update per few hundred
    /// entries (<c>WITH s(…) AS (VALUES …) UPDATE … FROM s</c>, which both databases run), rather
    /// than one tracked update statement per entry. The append-only triggers still check each row.
    /// Only unsealed rows are matched, which also lets PostgreSQL find them by the unsealed-entries
    /// index instead of scanning the whole trail for every batch.
    /// </summary>
    private static async Task WriteSealsAsync(ChaperoneDbContext db, List<object> seals, CancellationToken ct)
    {
        const int perRow = 3;
        var rows = MultiRowInsert.RowsPerStatement(db, perRow);
        for (var first = 0; first < seals.Count; first += rows * perRow)
        {
            var chunk = seals.GetRange(first, Math.Min(rows * perRow, seals.Count - first));
            var values = string.Join(", ", Enumerable.Range(0, chunk.Count / perRow).Select(i => $"({{{i * perRow}}}, {{{i * perRow + 1}}}, {{{i * perRow + 2}}})"));
            var sql = $"WITH s(entry, pos, hash) AS (VALUES {values}) " +
                $"UPDATE \"{AuditStorage.Table}\" SET \"Position\" = s.pos, \"Hash\" = s.hash FROM s WHERE \"{AuditStorage.Table}\".\"Id\" = s.entry AND \"{AuditStorage.Table}\".\"Position\" IS NULL";
            await db.Database.ExecuteSqlRawAsync(sql, chunk, ct);
        }
    }

    /// <summary>The sealing transaction for one school, or null when another sealer holds it.</summary>
    private static async Task<WriteTransaction?> BeginForSchoolAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var result = await WriteTransaction.BeginAsync(db, ct);
        if (db.Database.IsNpgsql())
        {
            var locked = await db.Database.SqlQueryRaw<bool>("SELECT pg_try_advisory_xact_lock({0}) AS \"Value\"", LockKey(schoolId)).SingleAsync(ct);
            if (!locked)
            {
                await result.DisposeAsync();
                return null;
            }
        }
        return result;
    }

    /// <summary>The school's sealing lock: a key of its own, apart from the keys bookings lock.</summary>
    internal static long LockKey(Guid schoolId) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("chaperone-audit-seal:" + schoolId.ToString("N"))), 0);
}
