using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

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
/// Verifies a school's audit chain: streams the sealed entries in chain order through a
/// forward-only reader, recomputes each hash from the previous one, and checks that positions run
/// 1, 2, 3… without gaps and that the chain ends at the school's chain head. Memory stays flat
/// however long the chain is.
/// </summary>
public static class AuditVerifier
{
    /// <summary>An entry not sealed this long after it was written is a fault: the sealer is not running, or a row was tampered with.</summary>
    public static readonly TimeSpan SealingDeadline = TimeSpan.FromMinutes(1);

    public static async Task<AuditVerification> VerifyAsync(ChaperoneDbContext db, Guid schoolId, DateTimeOffset now, CancellationToken ct)
    {
        long expected = 1;
        long count = 0;
        string? brokenId = null;
        long? brokenPosition = null;
        string? problem = null;
        var previous = AuditChain.Genesis.ToArray();
        var hash = new byte[AuditChain.HashLength];

        void Break(AuditEntry e, long position, string what)
        {
            brokenId = e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            brokenPosition = position;
            problem = what;
        }

        var entries = db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == schoolId && e.Position != null).OrderBy(e => e.Position);
        await foreach (var e in entries.AsAsyncEnumerable().WithCancellation(ct))
        {
            count++;
            if (problem is not null)
            {
                continue; // only counting now
            }
            var position = e.Position!.Value;
            if (position != expected)
            {
                Break(e, expected, position > expected
                    ? $"Entry {expected} is missing: the chain jumps from {expected - 1} to {position}."
                    : $"Position {position} appears more than once.");
                continue;
            }
            if (!AuditChain.Knows(e.FormatVersion))
            {
                Break(e, position, $"Entry {position} claims format version {e.FormatVersion}, which does not exist.");
                continue;
            }
            AuditChain.Compute(e, position, previous, hash);
            if (e.Hash is null || !hash.AsSpan().SequenceEqual(e.Hash))
            {
                Break(e, position, $"Entry {position} is not as it was sealed: it was changed, or entries were reordered.");
                continue;
            }
            (previous, hash) = (hash, previous);
            expected++;
        }

        if (problem is null)
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
        return new AuditVerification(problem is null, count, brokenId, brokenPosition, problem, overdue);
    }

    /// <summary>The school ids that have an audit trail (for the command that verifies them all).</summary>
    public static Task<List<Guid>> SchoolsAsync(ChaperoneDbContext db, CancellationToken ct) =>
        db.AuditEntries.Select(e => e.SchoolId).Union(db.AuditChainHeads.Select(h => h.SchoolId)).Distinct().ToListAsync(ct);

    /// <summary>One line for people: "valid, 1234 entries" or what is wrong.</summary>
    public static string Describe(AuditVerification v) => v.Valid
        ? $"The audit trail is intact: {v.Entries} sealed entries verified."
        : $"The audit trail is NOT intact ({v.Entries} sealed entries): {v.Problem}" + (v.FirstBrokenEntry is { } id ? $" First broken entry: {id} (position {v.FirstBrokenPosition})." : "");
}
