using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Notifications;

/// <summary>
/// Sends what the outbox holds: claims due messages, hands each to <see cref="IMailDelivery"/>,
/// and records every attempt and its reply.
/// </summary>
/// <remarks>
/// <para><b>Never lost.</b> A message is a row written in the same transaction as the booking,
/// reschedule or cancellation that caused it: if that change committed, so did its messages. A
/// message leaves the <see cref="MessageStatus.Pending"/> state only when the server accepted it
/// (<see cref="MessageStatus.Sent"/>), refused it for good, or the configured number of attempts
/// ran out (<see cref="MessageStatus.Failed"/>, shown to staff as a delivery problem).</para>
/// <para><b>Claims.</b> A worker claims a batch by writing its own lease token and a lease expiry
/// onto due, unclaimed rows. On PostgreSQL the rows are picked with <c>FOR UPDATE SKIP
/// LOCKED</c>, so instances on one database never claim the same row and never wait for each
/// other; on SQLite one process writes at a time. A claim whose lease has expired (its worker
/// crashed or was stopped) is free to be claimed again.</para>
/// <para><b>Sent once.</b> A message is marked sent, under the worker's own lease token, right
/// after the server accepts it. The only window in which a message can go out twice is a crash
/// after the server accepted it and before that mark is written (or a lease that expired during a
/// send: sends time out well within it). After such a crash the message is sent again once its
/// lease expires, and the copy is the same message with the same Message-Id header, Date and MIME
/// boundaries, all fixed by the row (<see cref="MessageComposer.Render"/>): mail systems and mail clients recognise it as the same message,
/// so each reader sees it once. No protocol can do better over SMTP, which cannot ask a server
/// whether it already has a message; what this design rules out is a second message with a
/// different id, and a message not sent at all. The mail folder (the embedded default) writes
/// each message to a file named after the message, so there a resend replaces the same file.</para>
/// </remarks>
public sealed class OutboxWorker(
    IServiceScopeFactory scopes, OutboxSignal signal, TimeProvider clock, EmailOptions options, IMailDelivery delivery, MessageComposer composer, ChaperoneMetrics metrics, ILogger<OutboxWorker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (and migrations finish) before the first claim.
        await Task.Yield();
        // Sending gives way to people: on a busy machine the requests come first, and the worker
        // takes the processor time they leave (all of it on an idle machine).
        using var scheduler = new BackgroundScheduler("Outbox worker");
        await scheduler.RunAsync(() => SendWhileRunningAsync(stoppingToken), CancellationToken.None);
    }

    private async Task SendWhileRunningAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var token = Guid.NewGuid();
                var lookedAt = clock.GetUtcNow();
                var claimed = await ClaimAsync(token, stoppingToken);
                if (claimed.Count == 0)
                {
                    await signal.WaitUntilAsync(lookedAt + options.PollInterval, clock, stoppingToken);
                    continue;
                }
                var chunks = claimed.Chunk((claimed.Count + options.Connections - 1) / options.Connections);
                await Task.WhenAll(chunks.Select(chunk => SendChunkAsync(chunk, token, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database unreachable, say: nothing is lost (claims expire); look again later.
                log.LogError(e, "The outbox worker failed; it will try again.");
                try
                {
                    await signal.WaitUntilAsync(clock.GetUtcNow() + options.PollInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Claims up to a batch of due messages for this worker; returns them.</summary>
    private async Task<List<OutboxMessage>> ClaimAsync(Guid token, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = clock.GetUtcNow();
        var expires = now + options.Lease;
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE "OutboxMessages" SET "LeaseToken" = {token}, "LeaseExpiresAt" = {expires}
                WHERE "Id" IN (
                    SELECT "Id" FROM "OutboxMessages"
                    WHERE "Status" = 'Pending' AND "NextAttemptAt" <= {now} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                    ORDER BY "NextAttemptAt"
                    LIMIT {options.BatchSize}
                    FOR UPDATE SKIP LOCKED)
                """, ct);
        }
        else
        {
            // The claim joins the next group commit, as the records of attempts do: one flush shared
            // with the bookings of the moment, and no checkpoint inside it.
            var claimed = await SqliteGroupCommit.For(db).RunAsync(db, async (store, ct) =>
            {
                var due = await Due(store, now).OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(options.BatchSize).ToListAsync(ct);
                if (due.Count == 0)
                {
                    return WriteDecision.Discard(0);
                }
                // The same conditions again: a row claimed meanwhile (by another process on the file) is skipped.
                var updated = await Due(store, now).Where(m => due.Contains(m.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseToken, token).SetProperty(m => m.LeaseExpiresAt, expires), ct);
                return WriteDecision.Commit(updated);
            }, ct);
            if (claimed == 0)
            {
                return [];
            }
        }
        return await ClaimedBy(db, token).ToListAsync(ct);
    }

    /// <summary>The messages claimed under <paramref name="token"/>, in order of their due time (read through an index of claimed rows only).</summary>
    internal static IQueryable<OutboxMessage> ClaimedBy(ChaperoneDbContext db, Guid token) =>
        db.OutboxMessages.AsNoTracking().Where(m => m.LeaseToken == token).OrderBy(m => m.NextAttemptAt);

    /// <summary>The messages due to be sent at <paramref name="now"/> and not claimed by a live lease.</summary>
    internal static IQueryable<OutboxMessage> Due(ChaperoneDbContext db, DateTimeOffset now) =>
        db.OutboxMessages.Where(m => m.Status == MessageStatus.Pending && m.NextAttemptAt <= now && (m.LeaseExpiresAt == null || m.LeaseExpiresAt < now));

    private async Task SendChunkAsync(IReadOnlyList<OutboxMessage> messages, Guid token, CancellationToken ct)
    {
        var answered = new List<(OutboxMessage Message, DeliveryResult Result)>(RecordEvery);
        IMailConnection? connection = null;
        try
        {
            try
            {
                connection = await delivery.OpenAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The server is down or refuses us: every message of the chunk waits for a retry.
                answered.AddRange(messages.Select(m => (m, (DeliveryResult)new DeliveryResult.Deferred($"{e.GetType().Name}: {e.Message}"))));
                return;
            }
            foreach (var message in messages)
            {
                ct.ThrowIfCancellationRequested();
                answered.Add((message, await StaleReminderAsync(message, ct) ?? await SendOneAsync(connection, message, ct)));
                if (answered.Count == RecordEvery)
                {
                    await RecordAsync(answered, token);
                    answered.Clear();
                }
            }
        }
        finally
        {
            // Recorded even when stopping or failing: the server has answered, and the answer must not be lost.
            if (answered.Count > 0)
            {
                await RecordAsync(answered, token);
            }
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// For a reminder, whether it is still true: a clause 8 reminder's session is still the
    /// version it tells of, still scheduled and not yet begun (a day-before one: its day not yet come; a move or cancellation supersedes
    /// the reminders written before it, but not one written by the reminder job at the same
    /// moment), and its parent or carer has not said on their page that they cannot come (they
    /// know when it is; the teacher is to move or cancel it); a clause 11 reminder's session still
    /// has no outcome. If not, the reminder is superseded rather than sent.
    /// </summary>
    private async Task<DeliveryResult?> StaleReminderAsync(OutboxMessage message, CancellationToken ct)
    {
        if (message.SessionSequence is not { } sequence
            || message.Kind is not (MessageKind.ReminderDayBefore or MessageKind.ReminderMorning or MessageKind.OutcomeDue or MessageKind.OutcomeOverdue))
        {
            return null;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var outcomeReminder = message.Kind is MessageKind.OutcomeDue or MessageKind.OutcomeOverdue;
        // Whether an outcome is on record is asked only for clause 11's reminders.
        var session = await db.Sessions.AsNoTracking().Where(s => s.Id == message.SessionId)
            .Select(s => new
            {
                s.Sequence, s.Status, s.Start,
                Outcome = outcomeReminder && db.Set<Calls.CallEventRecord>().Any(e => e.SessionId == s.Id && e.Kind == Calls.RoomEvents.Outcome),
                Zone = db.Schools.Where(school => school.Id == s.SchoolId).Select(school => school.TimeZoneId).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (outcomeReminder)
        {
            return session switch
            {
                null => new DeliveryResult.Superseded("not sent: the session no longer exists"),
                { Status: Scheduling.SessionStatus.Cancelled } => new DeliveryResult.Superseded("not sent: the session is Cancelled"),
                { Outcome: true } => new DeliveryResult.Superseded("not sent: the outcome has been recorded"),
                _ => null,
            };
        }
        return session switch
        {
            null => new DeliveryResult.Superseded("not sent: the session no longer exists"),
            { Status: not Scheduling.SessionStatus.Scheduled } => new DeliveryResult.Superseded($"not sent: the session is {session.Status}"),
            _ when session.Sequence != sequence => new DeliveryResult.Superseded("not sent: the session has moved"),
            _ when session.Start <= clock.GetUtcNow() => new DeliveryResult.Superseded("not sent: the session has begun"),
            // "The next school day" is no longer true once the session's day has come (the mail server was down overnight).
            _ when message.Kind == MessageKind.ReminderDayBefore && !ReminderTimes.DayBeforeStillTrue(session.Start, clock.GetUtcNow(), Policy.PolicySettings.ZoneOrDefault(session.Zone))
                => new DeliveryResult.Superseded("not sent: the session's day has come"),
            _ when message.RecipientRole == "guardian"
                && (await Families.FamilyAbsence.CurrentAsync(db, message.SchoolId, message.SessionId!.Value, sequence, ct, message.RecipientId)).Count > 0
                => new DeliveryResult.Superseded("not sent: they said they cannot come"),
            _ => null,
        };
    }

    /// <summary>Writes the message from its row and sends it; a row that cannot be written out is refused (trying again cannot help).</summary>
    private async Task<DeliveryResult> SendOneAsync(IMailConnection connection, OutboxMessage message, CancellationToken ct)
    {
        MimeKit.MimeMessage mime;
        try
        {
            mime = composer.Render(message);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or ArgumentException)
        {
            return new DeliveryResult.Refused($"The message could not be written: {e.GetType().Name}: {e.Message}");
        }
        using (mime)
        {
            return await connection.SendAsync(message, mime, ct);
        }
    }

    /// <summary>Writes the outcomes of attempts, under this worker's lease (a claim taken over meanwhile is left alone).</summary>
    private async Task RecordAsync(IReadOnlyList<(OutboxMessage Message, DeliveryResult Result)> answered, Guid token)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = clock.GetUtcNow();
        var records = answered.Select(a => RecordOf(a.Message, a.Result, now)).ToList();

        // Each message's status and attempt are written together, and the messages answered
        // together in one write. On SQLite it joins the next group commit (one flush shared with
        // bookings and the other senders' records, not one flush each).
        TransactionalWrite<int> write = async (store, ct) =>
        {
            var attempts = new RowWrite();
            foreach (var r in records)
            {
                var updated = await Record.ExecuteAsync(store, [r.Status, r.Attempts, r.Next, r.SentAt, r.Error, null, null, r.Message.Id, token], ct);
                // The attempt is one new row: written by hand, without change tracking, since on SQLite
                // this runs in the group commit's one-at-a-time part, between bookings.
                attempts.Add(new DeliveryAttempt
                {
                    SchoolId = r.Message.SchoolId, OutboxMessageId = r.Message.Id, At = now,
                    Outcome = updated == 1 ? r.Outcome : r.Outcome + " (late)", Reply = Truncate(r.Reply),
                });
            }
            return WriteDecision.Commit(records.Count, attempts);
        };
        if (db.Database.IsSqlite())
        {
            await SqliteGroupCommit.For(db).RunAsync(db, write, CancellationToken.None);
        }
        else
        {
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            await WriteDecision.SaveAsync(db, await write(db, CancellationToken.None), CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        foreach (var r in records)
        {
            metrics.EmailTried(r.Outcome);
        }
        foreach (var r in records.Where(r => r.Status == MessageStatus.Failed))
        {
            log.LogWarning("Message {MessageId} to {Recipient} is a delivery problem: {Reply}", r.Message.MessageIdHeader, r.Message.RecipientEmail, r.Reply);
        }
    }

    /// <summary>What an answer makes of a message: its new status, attempts, next try, and the attempt's outcome.</summary>
    private AttemptRecord RecordOf(OutboxMessage message, DeliveryResult result, DateTimeOffset now)
    {
        var attempts = result is DeliveryResult.Superseded ? message.Attempts : message.Attempts + 1;
        var (status, next, outcome) = result switch
        {
            DeliveryResult.Accepted => (MessageStatus.Sent, message.NextAttemptAt, "sent"),
            DeliveryResult.Superseded => (MessageStatus.Superseded, message.NextAttemptAt, "not sent"),
            DeliveryResult.Refused => (MessageStatus.Failed, message.NextAttemptAt, "refused"),
            _ when attempts >= options.MaxAttempts => (MessageStatus.Failed, message.NextAttemptAt, "gave up"),
            _ => (MessageStatus.Pending, now + Backoff(attempts), "deferred"),
        };
        var error = result is DeliveryResult.Accepted or DeliveryResult.Superseded ? null : Truncate(result.Reply);
        return new AttemptRecord(message, status, attempts, next, status == MessageStatus.Sent ? now : null, error, outcome, result.Reply);
    }

    private sealed record AttemptRecord(OutboxMessage Message, MessageStatus Status, int Attempts, DateTimeOffset Next, DateTimeOffset? SentAt, string? Error, string Outcome, string Reply);

    /// <summary>
    /// The answers of a chunk's messages are recorded this many at a time: one write for several,
    /// and after a crash at most this many messages already answered go again (sending is at least once).
    /// </summary>
    internal const int RecordEvery = 8;

    // Built once: it runs for every message sent, and on SQLite inside the group commit's
    // one-at-a-time part. A claim taken over meanwhile (another lease token) is left alone.
    private static readonly RowUpdate<OutboxMessage> Record = new(
        [nameof(OutboxMessage.Status), nameof(OutboxMessage.Attempts), nameof(OutboxMessage.NextAttemptAt), nameof(OutboxMessage.SentAt),
         nameof(OutboxMessage.LastError), nameof(OutboxMessage.LeaseToken), nameof(OutboxMessage.LeaseExpiresAt)],
        [nameof(OutboxMessage.Id), nameof(OutboxMessage.LeaseToken)]);

    /// <summary>Exponential back-off with jitter: about FirstBackoff × 2^(n−1), capped, each between half and all of it.</summary>
    internal TimeSpan Backoff(int attempts)
    {
        var exponential = options.FirstBackoff.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 20));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000];
}
