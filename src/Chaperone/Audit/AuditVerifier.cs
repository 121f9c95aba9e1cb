using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Chaperone.Audit;

/// <summary>
/// The answer of <c>GET /api/v1/audit/verify</c>: whether the school's audit trail is intact,
/// how many sealed entries it holds, and where it first breaks.
/// </summary>
/// <param name="FirstBrokenEntry">The id of the first entry that does not verify (changed, out of place, or the one after a removed entry); absent when valid, or when only the newest entries were removed.</param>
/// <param name="FirstBrokenPosition">The chain position at which it breaks.</param>
/// <param name="Problem">What is wrong, in words.</param>
/// <param name="UnsealedOverdue">Entries still unsealed after <see cref="AuditVerifier.SealingDeadline"/>.</param>
public sealed record AuditVerification(bool Valid, long Entries, string? FirstBrokenEntry, long? FirstBrokenPosition, string? Problem, int UnsealedOverdue);

/// <summary>
/// Verifies a school's audit chain: streams the sealed entries in chain order through one
/// forward-only reader, checks that positions run 1, 2, 3… without gaps, recomputes each entry's
/// hash over its content and the previous entry's stored hash, and checks that the chain ends at
/// the school's chain head. Entry i is intact exactly when its recomputed hash equals its stored
/// one, given entry i−1's stored hash, so batches are hashed on other cores while the reader goes
/// on reading. Memory stays flat however long the chain is.
/// </summary>
public static class AuditVerifier
{
    /// <summary>An entry not sealed this long after it was written is a fault: the sealer is not running, or a row was tampered with.</summary>
    public static readonly TimeSpan SealingDeadline = TimeSpan.FromMinutes(1);

    private const int BatchSize = 8192;

    private sealed record Break(long Position, string EntryId, string Problem);

    public static async Task<AuditVerification> VerifyAsync(ChaperoneDbContext db, Guid schoolId, DateTimeOffset now, CancellationToken ct)
    {
        long expected = 1;
        long count = 0;
        Break? broken = null;
        var previous = AuditChain.Genesis.ToArray();
        var batch = new List<AuditEntry>(BatchSize);
        Task<Break?> hashing = Task.FromResult<Break?>(null);

        // Hashes the batch in hand on other threads while the reader fills the next one.
        async Task<Break?> HandOverAsync()
        {
            var earlier = await hashing;
            if (earlier is not null || batch.Count == 0)
            {
                batch.Clear();
                return earlier;
            }
            var entries = batch.ToArray();
            var before = previous;
            previous = entries[^1].Hash!;
            batch.Clear();
            hashing = Task.Run(() => FirstBadHash(entries, before), ct);
            return null;
        }

        var at = AtReader(db);
        await db.Database.OpenConnectionAsync(ct);
        // One snapshot for the entries, the chain head and the unsealed count: the sealer goes on
        // sealing while this reads, and entries read before a seal with a head read after it would
        // look like a chain cut short. Read-only: a deferred transaction on SQLite (a snapshot of
        // the log, taking no write lock), repeatable read on PostgreSQL.
        await using var snapshot = (db.Database.GetDbConnection() is Microsoft.Data.Sqlite.SqliteConnection sqlite
            ? await db.Database.UseTransactionAsync(sqlite.BeginTransaction(deferred: true), ct)
            : await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct))!;
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = snapshot.GetDbTransaction();
            command.CommandText =
                "SELECT \"Id\", \"At\", \"ActorId\", \"ActorName\", \"Action\", \"SubjectType\", \"SubjectId\", \"Details\", \"FormatVersion\", \"Position\", \"Hash\" " +
                "FROM \"AuditEntries\" WHERE \"SchoolId\" = @school AND \"Position\" IS NOT NULL ORDER BY \"Position\"";
            var school = command.CreateParameter();
            school.ParameterName = "@school";
            // As EF Core keeps GUIDs on each database: upper-case text on SQLite, uuid on PostgreSQL.
            school.Value = db.Database.IsSqlite() ? schoolId.ToString("D").ToUpperInvariant() : schoolId;
            command.Parameters.Add(school);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                count++;
                if (broken is not null)
                {
                    continue; // only counting now
                }
                var position = reader.GetInt64(9);
                var id = reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture);
                Break? here = null;
                var version = reader.GetInt32(8);
                if (position != expected)
                {
                    here = new Break(expected, id, position > expected
                        ? $"Entry {expected} is missing: the chain jumps from {expected - 1} to {position}."
                        : $"Position {position} appears more than once.");
                }
                else if (!AuditChain.Knows(version))
                {
                    here = new Break(position, id, $"Entry {position} claims format version {version}, which does not exist.");
                }
                else if (reader.IsDBNull(10))
                {
                    here = new Break(position, id, $"Entry {position} has lost its hash.");
                }
                if (here is not null)
                {
                    // An earlier entry's hash may already be wrong: that break comes first.
                    broken = await HandOverAsync() ?? await hashing ?? here;
                    continue;
                }
                batch.Add(new AuditEntry
                {
                    Id = reader.GetInt64(0),
                    SchoolId = schoolId,
                    At = at(reader, 1),
                    ActorId = reader.IsDBNull(2) ? null : reader.GetFieldValue<Guid>(2),
                    ActorName = reader.GetString(3),
                    Action = reader.GetString(4),
                    SubjectType = reader.GetString(5),
                    SubjectId = reader.IsDBNull(6) ? null : reader.GetString(6),
                    Details = reader.IsDBNull(7) ? null : reader.GetString(7),
                    FormatVersion = version,
                    Position = position,
                    Hash = reader.GetFieldValue<byte[]>(10),
                });
                expected++;
                if (batch.Count == BatchSize)
                {
                    broken = await HandOverAsync();
                }
            }
            broken ??= await HandOverAsync() ?? await hashing;
        }

        long? brokenPosition = broken?.Position;
        var problem = broken?.Problem;
        if (broken is null)
        {
            var head = await db.AuditChainHeads.AsNoTracking().FirstOrDefaultAsync(h => h.SchoolId == schoolId, ct);
            var end = expected - 1;
            if ((head?.Position ?? 0) != end || (head is not null && !head.Hash.AsSpan().SequenceEqual(previous)))
            {
                brokenPosition = Math.Min(end + 1, head?.Position ?? end + 1);
                problem = head is not null && head.Position > end
                    ? $"The newest entries are missing: the chain ends at {end} but was sealed up to {head.Position}."
                    : "The chain does not end where it was last sealed.";
            }
        }

        var overdueBefore = now - SealingDeadline;
        var overdue = await db.AuditEntries.CountAsync(e => e.SchoolId == schoolId && e.Position == null && e.At < overdueBefore, ct);
        if (problem is null && overdue > 0)
        {
            problem = $"{overdue} entries have waited more than a minute to be sealed: check that the app is running and its log for sealing errors.";
        }
        await snapshot.CommitAsync(ct);
        await db.Database.CloseConnectionAsync();
        return new AuditVerification(problem is null, count, broken?.EntryId, brokenPosition, problem, overdue);
    }

    /// <summary>The first entry of the batch whose hash does not verify, given the stored hash before the batch.</summary>
    private static Break? FirstBadHash(AuditEntry[] entries, byte[] before)
    {
        var first = int.MaxValue;
        Parallel.For(0, entries.Length, () => new byte[AuditChain.HashLength], (i, _, hash) =>
        {
            var e = entries[i];
            AuditChain.Compute(e, e.Position!.Value, i == 0 ? before : entries[i - 1].Hash!, hash);
            if (!hash.AsSpan().SequenceEqual(e.Hash))
            {
                InterlockedMin(ref first, i);
            }
            return hash;
        }, _ => { });
        if (first == int.MaxValue)
        {
            return null;
        }
        var bad = entries[first];
        return new Break(bad.Position!.Value, bad.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"Entry {bad.Position} is not as it was sealed: it was changed, or entries were reordered.");
    }

    private static void InterlockedMin(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>Reads the time as EF Core stores it on this database (SQLite: a number through the model's converter).</summary>
    private static Func<System.Data.Common.DbDataReader, int, DateTimeOffset> AtReader(ChaperoneDbContext db)
    {
        var converter = db.Model.FindEntityType(typeof(AuditEntry))!.FindProperty(nameof(AuditEntry.At))!.GetTypeMapping().Converter;
        if (converter is Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long> typed)
        {
            var fromLong = typed.ConvertFromProviderExpression.Compile();
            return (reader, i) => fromLong(reader.GetInt64(i));
        }
        return (reader, i) => reader.GetFieldValue<DateTimeOffset>(i);
    }

    /// <summary>The school ids that have an audit trail (for the command that verifies them all).</summary>
    public static Task<List<Guid>> SchoolsAsync(ChaperoneDbContext db, CancellationToken ct) =>
        db.AuditEntries.Select(e => e.SchoolId).Union(db.AuditChainHeads.Select(h => h.SchoolId)).Distinct().ToListAsync(ct);

    /// <summary>One line for people: "valid, 1234 entries" or what is wrong.</summary>
    public static string Describe(AuditVerification v) => v.Valid
        ? $"The audit trail is intact: {v.Entries} sealed entries verified."
        : $"The audit trail is NOT intact ({v.Entries} sealed entries): {v.Problem}" + (v.FirstBrokenEntry is { } id ? $" First broken entry: {id} (position {v.FirstBrokenPosition})." : "");
}
