using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Chaperone.Notifications;

/// <summary>
/// Reminders caused by time, written to the outbox when they fall due rather than with the
/// booking: every minute (by the injected clock) this looks for scheduled sessions whose clause 8
/// day-before or morning reminder time (<see cref="ReminderTimes"/>) has come and that have no such
/// reminder for their current version yet, and writes one per recipient, from the session as it
/// is now, with the time it was due as its not-before time; and for sessions whose time is over
/// without an outcome, clause 11's reminder to the teacher or, a week on, to the senior leaders
/// (<see cref="Calls.OutcomeReminders"/>). The worker then sends them like any message.
/// </summary>
/// <remarks>
/// <para><b>Never lost.</b> What is due is worked out from the sessions each time, not from a
/// queue: a reminder missed while no instance ran (or whose write failed) is written at the next
/// look, as long as its session has not started (a day-before reminder, as long as the session's
/// day has not begun: <see cref="ReminderTimes.DayBeforeStillTrue"/>).</para>
/// <para><b>Once.</b> A unique index on session, version (<c>Sequence</c>), kind and recipient
/// (<see cref="OutboxMessage.SessionSequence"/>) lets each reminder be written once, however many
/// instances look at the same moment on one PostgreSQL database: the instance that loses the race
/// has its write refused, and looks again at once, finding the reminders written. (On
/// PostgreSQL the instances' looks also take turns, so that race is rare.)</para>
/// <para><b>Moves and cancellations.</b> A moved session is a new version (its <c>Sequence</c>
/// rises), whose reminders are due at its new time; a cancelled one is no longer scheduled and
/// gets none. A reminder already written is superseded by the move or cancellation if it is not
/// yet being sent, and the worker checks its session's version once more before sending it.</para>
/// </remarks>
public sealed class ReminderJob(IServiceScopeFactory scopes, TimeProvider clock, OutboxSignal outbox, ILogger<ReminderJob> log) : PeriodicWorker(clock, log)
{
    /// <summary>How often the job looks for due reminders.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    protected override TimeSpan Interval => Every;

    /// <summary>Sessions whose reminders are saved together.</summary>
    private const int Chunk = 50;

    /// <summary>One look at a time in this instance.</summary>
    private readonly SemaphoreSlim _looking = new(1, 1);

    public override Task RunOnceAsync(CancellationToken ct) => ProduceDueAsync(ct);

    /// <summary>Writes every reminder due now and not yet written; returns how many it wrote.</summary>
    public async Task<int> ProduceDueAsync(CancellationToken ct)
    {
        await _looking.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var written = await WriteDueAsync(ct);
                    if (written > 0)
                    {
                        outbox.Wake();
                    }
                    return written;
                }
                catch (DbUpdateException e) when (IsDuplicate(e) && attempt < 5)
                {
                    // Another process wrote some of the same reminders first: look again, and write the rest.
                    Log.LogInformation("Another instance wrote reminders at the same moment; looking again.");
                }
            }
        }
        finally
        {
            _looking.Release();
        }
    }

    private async Task<int> WriteDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var notifications = scope.ServiceProvider.GetRequiredService<SessionNotifications>();
        var outcomes = scope.ServiceProvider.GetRequiredService<Calls.OutcomeReminders>();
        // On PostgreSQL the instances take turns (a transaction-scoped advisory lock), so one
        // finds what another has just written instead of having its write refused.
        await using var transaction = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync(ct) : null;
        if (transaction is not null)
        {
            await WriteTransaction.TakeTurnAsync(db, "chaperone.reminders", ct);
        }
        var now = Clock.GetUtcNow();

        var schools = await db.Schools.AsNoTracking().Include(s => s.Closures).ToListAsync(ct);
        if (schools.Count == 0)
        {
            return 0;
        }
        var settings = schools.ToDictionary(s => s.Id, s => s.ToPolicySettings());
        var until = settings.Values.Max(s => ReminderTimes.LatestStartDue(now, s));

        // Sessions starting soon enough for a reminder to be due, whose morning reminder (the last) is not yet written.
        var candidates = await db.Sessions.AsNoTracking()
            .Where(s => s.Status == SessionStatus.Scheduled && s.Start > now && s.Start < until
                        && !db.OutboxMessages.Any(m => m.SessionId == s.Id && m.SessionSequence == s.Sequence && m.Kind == MessageKind.ReminderMorning))
            .ToListAsync(ct);
        var due = candidates
            .Select(s => (Session: s, Due: ReminderTimes.Due(s.Start, s.RescheduledAt ?? s.BookedAt, now, settings[s.SchoolId])))
            .Where(x => x.Due.Count > 0)
            .ToList();

        var total = 0;
        foreach (var chunk in due.Chunk(Chunk))
        {
            var ids = chunk.Select(x => (Guid?)x.Session.Id).ToList();
            var existing = await db.OutboxMessages.AsNoTracking()
                .Where(m => ids.Contains(m.SessionId) && m.SessionSequence != null)
                .Select(m => new { m.SessionId, m.SessionSequence, m.Kind, m.RecipientRole, m.RecipientId })
                .ToListAsync(ct);
            var messages = new List<OutboxMessage>();
            foreach (var (session, kinds) in chunk)
            {
                var written = existing.Where(m => m.SessionId == session.Id && m.SessionSequence == session.Sequence)
                    .Select(m => (m.Kind, m.RecipientRole, m.RecipientId)).ToHashSet();
                messages.AddRange(await notifications.ComposeRemindersAsync(session, kinds, written, ct));
            }
            total += await SaveAsync(db, messages, transaction is null, ct);
        }
        foreach (var school in schools)
        {
            total += await SaveAsync(db, await outcomes.DueAsync(school, settings[school.Id], now, ct), transaction is null, ct);
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return total;
    }

    /// <summary>
    /// Saves <paramref name="messages"/>: on SQLite (<paramref name="ownTransaction"/>) in a write
    /// transaction of their own, so that bookings commit between one batch and the next; on
    /// PostgreSQL in the look's transaction.
    /// </summary>
    private static async Task<int> SaveAsync(ChaperoneDbContext db, List<OutboxMessage> messages, bool ownTransaction, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return 0;
        }
        db.OutboxMessages.AddRange(messages);
        if (ownTransaction)
        {
            await using var write = await WriteTransaction.BeginAsync(db, ct);
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }
        db.ChangeTracker.Clear();
        return messages.Count;
    }

    /// <summary>A write refused by a unique index: here, a reminder another instance wrote first.</summary>
    private static bool IsDuplicate(DbUpdateException e) => e.InnerException switch
    {
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode == 2067,
        _ => false,
    };
}
