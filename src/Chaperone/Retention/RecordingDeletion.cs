using System.Diagnostics;
using Chaperone.Audit;
using Chaperone.Calls;
using Chaperone.Recordings;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Retention;

/// <summary>
/// Deletes recordings (clause 2): files, the provider's copies where it holds any, and keys.
/// </summary>
/// <remarks>
/// <para><b>Survives a crash.</b> A deletion is first decided durably
/// (<see cref="MarkDueAsync"/> sets <see cref="Recording.DeletionPendingAt"/> in one set-based
/// update); then, batch by batch, the provider's copies are deleted, the files are deleted (in
/// parallel; a file already gone is fine), and in one transaction the key is cleared, the row marked
/// deleted and the deletion registered and audited. A crash anywhere leaves the rest pending, and the
/// next run (at start-up, or the next scheduled one) does it again: every step is idempotent, and
/// the register's unique (kind, subject) index makes each entry exactly once.</para>
/// <para><b>Provider copies.</b> Deleting a provider's copy (Teams' OneDrive file) is its own step
/// with its own register entry: when the provider fails, the attempt, its error and the next try
/// are kept on the row (shown on the deletion register page) and retried with back-off, while
/// Chaperone's own copy is deleted on time regardless.</para>
/// <para><b>Traced.</b> Each stage of a batch is an <see cref="Activity"/> of the
/// <see cref="Tracing"/> source (<c>retention.read</c>, <c>retention.provider-copies</c>,
/// <c>retention.files</c>, <c>retention.wait</c> for the previous batch's commit,
/// <c>retention.commit</c> with <c>.rows</c>, <c>.register</c>, <c>.audit</c> and <c>.flush</c>
/// inside it), for a tracing exporter or the benchmark's phase profile.</para>
/// </remarks>
public sealed class RecordingDeletion(IServiceScopeFactory scopes, RecordingStore store, AuditSignal auditSignal, TimeProvider clock, IConfiguration configuration, ILogger<RecordingDeletion> log)
{
    /// <summary>The name of the <see cref="ActivitySource"/> retention's stages are traced on.</summary>
    public const string TracingSource = "Chaperone.Retention";

    internal static readonly ActivitySource Tracing = new(TracingSource);

    private int BatchSize => Math.Max(1, configuration.GetValue("Retention:BatchSize", 1000));

    /// <summary>Marks every recording of the school made before <paramref name="cutoff"/>, not on hold and not yet deleted, for deletion; returns how many.</summary>
    public static Task<int> MarkDueAsync(ChaperoneDbContext db, Guid schoolId, DateTimeOffset cutoff, string reason, DateTimeOffset now, CancellationToken ct) =>
        db.Set<Recording>()
            .Where(r => r.SchoolId == schoolId && r.StartedAt < cutoff && r.HeldAt == null && r.DeletionPendingAt == null && r.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.DeletionPendingAt, now).SetProperty(r => r.DeletionReason, reason), ct);

    private sealed record Pending(Guid Id, Guid SchoolId, Guid SessionId, int Chunks, string? ContentHash, string? DeletionReason, bool ProviderHoldsCopy,
        DateTimeOffset? ProviderCopyNextAttemptAt, string Provider, DateTimeOffset StartedAt, long Bytes);

    /// <summary>Carries out every pending deletion; returns how many recordings were deleted.</summary>
    /// <remarks>
    /// A pipeline of two stages: while one batch's transaction (keys, rows, register, audit) commits,
    /// the next batch's provider copies and files are deleted. Each batch's files are gone before its
    /// own transaction starts, so the order that makes a crash safe (files, then the row marked
    /// deleted) holds per recording; the next batch is read past the one still committing.
    /// </remarks>
    public async Task<int> ProcessPendingAsync(CancellationToken ct)
    {
        var deleted = 0;
        Task<int>? committing = null;
        try
        {
            var batch = await ReadPendingAsync([], ct);
            while (batch.Count > 0)
            {
                var now = clock.GetUtcNow();
                using (Tracing.StartActivity("retention.provider-copies"))
                {
                    await DeleteProviderCopiesAsync(batch.Where(p => p.ProviderHoldsCopy && (p.ProviderCopyNextAttemptAt is null || p.ProviderCopyNextAttemptAt <= now)).Select(p => (p.SchoolId, p.SessionId)), ct);
                }
                using (Tracing.StartActivity("retention.files"))
                {
                    await DeleteFilesAsync(batch, ct);
                }
                if (committing is not null)
                {
                    using (Tracing.StartActivity("retention.wait"))
                    {
                        deleted += await committing;
                    }
                    committing = null;
                }
                var ready = batch;
                // On its own thread (SQLite's provider does its "async" work synchronously). Not cancelled
                // when the job stops: the batch's files are already gone, so its short transaction is let
                // finish and the deletions it records are not left to be redone.
                committing = Task.Run(() => RegisterDeletedAsync(ready, CancellationToken.None), CancellationToken.None);
                batch = await ReadPendingAsync(ready.Select(p => p.Id).ToList(), ct);
            }
            if (committing is not null)
            {
                deleted += await committing;
                committing = null;
            }
        }
        finally
        {
            if (committing is not null)
            {
                // Leaving on an error: let the batch in flight finish (or fail) before returning; what it did not commit stays pending.
                await Task.WhenAny(committing);
            }
        }
        // Provider copies whose earlier attempt failed, once their retry is due.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            var now = clock.GetUtcNow();
            var retries = await db.Set<Recording>().AsNoTracking()
                .Where(r => r.ProviderHoldsCopy && r.DeletedAt != null && (r.ProviderCopyNextAttemptAt == null || r.ProviderCopyNextAttemptAt <= now))
                .Select(r => new { r.SchoolId, r.SessionId }).Distinct().ToListAsync(ct);
            await DeleteProviderCopiesAsync(retries.Select(r => (r.SchoolId, r.SessionId)), ct);
        }
        return deleted;
    }

    /// <summary>The next pending recordings in order, leaving out <paramref name="committing"/> (the batch whose transaction may still be open).</summary>
    private async Task<List<Pending>> ReadPendingAsync(List<Guid> committing, CancellationToken ct)
    {
        using var activity = Tracing.StartActivity("retention.read");
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var pending = db.Set<Recording>().AsNoTracking().Where(r => r.DeletionPendingAt != null);
        if (committing.Count > 0)
        {
            pending = pending.Where(r => !committing.Contains(r.Id));
        }
        return await pending
            .OrderBy(r => r.DeletionPendingAt).ThenBy(r => r.Id).Take(BatchSize)
            .Select(r => new Pending(r.Id, r.SchoolId, r.SessionId, r.Chunks, r.ContentHash, r.DeletionReason, r.ProviderHoldsCopy,
                r.ProviderCopyNextAttemptAt, r.Provider, r.StartedAt, r.Bytes))
            .ToListAsync(ct);
    }

    /// <summary>Deletes the batch's chunks (a crash after this leaves the rows pending, and deleting again is harmless).</summary>
    private Task DeleteFilesAsync(List<Pending> batch, CancellationToken ct) =>
        Parallel.ForEachAsync(batch, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = store.DeleteParallelism },
            async (p, token) => await store.DeleteContentAsync(p.SchoolId, p.Id, p.Chunks, token));

    /// <summary>In one transaction: clears the keys, marks the rows deleted, and registers and audits each deletion once.</summary>
    /// <remarks>
    /// Set-based: one update for the rows, and the register and audit entries inserted in
    /// multi-row statements (<see cref="MultiRowInsert"/>) instead of thousands of tracked entities
    /// saved one statement each. Every deletion still gets its own register entry (what, when, why,
    /// the content hash) and its own audit entry: the register is the school's list, but it is an
    /// ordinary table, while the audit entry is sealed into the school's hash chain, so a
    /// register entry altered or removed later is shown up by the chain naming that recording.
    /// </remarks>
    private async Task<int> RegisterDeletedAsync(List<Pending> batch, CancellationToken ct)
    {
        using var activity = Tracing.StartActivity("retention.commit");
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = clock.GetUtcNow();
        var ids = batch.Select(p => p.Id).ToList();
        await using (var transaction = await RetentionWrites.BeginAsync(db, ct))
        {
            using (Tracing.StartActivity("retention.commit.rows"))
            {
                // "Not yet deleted" rather than "still pending" (the same rows: only this step ends a
                // pending deletion), so that the primary key finds them: PostgreSQL's statistics, taken
                // before the rows were marked, would otherwise have it walk every pending row per batch.
                var updated = await db.Set<Recording>()
                    .Where(r => ids.Contains(r.Id) && r.DeletedAt == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(r => r.WrappedKey, (byte[]?)null).SetProperty(r => r.DeletedAt, now).SetProperty(r => r.DeletionPendingAt, (DateTimeOffset?)null), ct);
                if (updated != batch.Count)
                {
                    // Another instance finished some of these meanwhile: register only what is still unregistered.
                    var registered = (await db.Set<DeletionRecord>().Where(d => d.Kind == DeletionKinds.Recording && ids.Contains(d.SubjectId)).Select(d => d.SubjectId).ToListAsync(ct)).ToHashSet();
                    batch = batch.Where(p => !registered.Contains(p.Id)).ToList();
                }
            }
            using (Tracing.StartActivity("retention.commit.register"))
            {
                await MultiRowInsert.InsertAsync(db, batch.Select(p => new DeletionRecord
                {
                    SchoolId = p.SchoolId, At = now, Kind = DeletionKinds.Recording, SubjectId = p.Id, SessionId = p.SessionId, Why = p.DeletionReason ?? "Retention.", ContentHash = p.ContentHash,
                    What = $"Recording of session {p.SessionId:N} ({p.Provider}, made {p.StartedAt:yyyy-MM-dd HH:mm} UTC, {p.Bytes} bytes): files and key",
                }).ToList(), ct);
            }
            using (Tracing.StartActivity("retention.commit.audit"))
            {
                await AuditLog.AppendAsync(db, batch.Select(p => AuditLog.Entry(p.SchoolId, AuditActor.System, AuditActions.RecordingDeleted, AuditSubjects.Recording, Infrastructure.Ids.Format(p.Id),
                    new { session = p.SessionId, why = p.DeletionReason ?? "Retention.", contentHash = p.ContentHash }, now)).ToList(), ct);
            }
            using (Tracing.StartActivity("retention.commit.flush"))
            {
                await transaction.CommitAsync(ct);
            }
        }
        if (batch.Count > 0)
        {
            auditSignal.Raise();
        }
        return batch.Count;
    }

    private async Task DeleteProviderCopiesAsync(IEnumerable<(Guid SchoolId, Guid SessionId)> sessions, CancellationToken ct)
    {
        foreach (var (schoolId, sessionId) in sessions.Distinct())
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId && s.SchoolId == schoolId, ct);
            if (session is null)
            {
                continue;
            }
            var provider = scope.ServiceProvider.GetRequiredService<CallProviderResolver>().For(session);
            var outcome = provider is null ? new ProviderCopiesOutcome.NoneHeld() : await provider.DeleteCopiesAsync(session, ct);
            ct.ThrowIfCancellationRequested(); // stopped mid-call: not a failure of the provider, and the row stays pending
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow();
            var rows = await db.Set<Recording>().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId && r.ProviderHoldsCopy
                && (r.DeletionPendingAt != null || r.DeletedAt != null)).ToListAsync(ct);
            if (outcome is ProviderCopiesOutcome.Failed failed)
            {
                foreach (var r in rows)
                {
                    r.ProviderCopyAttempts++;
                    r.ProviderCopyError = failed.Reason.Length > 1000 ? failed.Reason[..1000] : failed.Reason;
                    r.ProviderCopyNextAttemptAt = now + Backoff(r.ProviderCopyAttempts);
                }
                log.LogWarning("Deleting {Provider}'s copies of session {Session}'s recordings failed ({Reason}); trying again later.", session.Provider, sessionId, failed.Reason);
                await db.SaveChangesAsync(ct);
                continue;
            }
            await using var transaction = await RetentionWrites.BeginAsync(db, ct);
            var registered = await db.Set<DeletionRecord>().Where(d => d.Kind == DeletionKinds.ProviderCopy && d.SessionId == sessionId).Select(d => d.SubjectId).ToListAsync(ct);
            foreach (var r in rows)
            {
                r.ProviderHoldsCopy = false;
                r.ProviderCopyDeletedAt = now;
                r.ProviderCopyError = null;
                r.ProviderCopyNextAttemptAt = null;
                if (registered.Contains(r.Id))
                {
                    continue;
                }
                var why = r.DeletionReason ?? "Retention.";
                db.Add(new DeletionRecord
                {
                    SchoolId = schoolId, At = now, Kind = DeletionKinds.ProviderCopy, SubjectId = r.Id, SessionId = sessionId, Why = why,
                    What = $"{session.Provider} copy of recording {r.Id:N} of session {sessionId:N} ({r.ProviderRecordingId})",
                });
                AuditLog.Record(db, schoolId, AuditActor.System, AuditActions.ProviderCopyDeleted, AuditSubjects.Recording, Infrastructure.Ids.Format(r.Id), new { session = sessionId, session.Provider, why });
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>One minute, doubling with each failure, at most six hours.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromMinutes(Math.Min(360, Math.Pow(2, Math.Min(attempts - 1, 10))));
}

/// <summary>Write transactions of the retention jobs (on SQLite, queued for the database's write turn).</summary>
internal static class RetentionWrites
{
    public static Task<WriteTransaction> BeginAsync(ChaperoneDbContext db, CancellationToken ct) => WriteTransaction.BeginAsync(db, ct);
}

