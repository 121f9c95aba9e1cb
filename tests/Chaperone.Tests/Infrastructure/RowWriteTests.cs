using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Compliance;
using Chaperone.Notifications;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// <see cref="RowWrite"/> stores rows exactly as <c>SaveChanges</c> would, and <see cref="RowUpdate{T}"/>
/// changes them as <c>ExecuteUpdate</c> would: the same rows written or changed both ways read back
/// the same, conversions (enums as text, instants, JSON columns) included.
/// </summary>
public abstract class RowWriteTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 10, 10, 15, 0, TimeSpan.Zero);

    [Fact]
    public async Task RowsWrittenByHandReadBackAsRowsSavedByTheContext()
    {
        var school = await TestSchool.CreateAsync(app);
        var (saved, savedEvidence, savedMessage) = Rows(school);
        var (written, writtenEvidence, writtenMessage) = Rows(school);
        CopyTimes(written);
        var entry = AuditLog.Entry(school.SchoolId, new AuditActor(school.TeacherId, "Ms \"Quote\" O'Brien"), AuditActions.SessionBooked,
            AuditSubjects.Session, written.Id.ToString(), new { written.Start, Note = "ü ✓ </script>" }, Start.AddDays(-3));

        await SaveThroughTheContextAsync(saved, savedEvidence, savedMessage);
        var inserted = await app.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var count = await new RowWrite().Add(written).AddRange(written.Pupils).AddRange(written.Guardians)
                .Add(writtenEvidence).Add(writtenMessage).Add(entry).ExecuteAsync(db, CancellationToken.None);
            await transaction.CommitAsync();
            return count;
        });

        Assert.Equal(6, inserted);
        Assert.Equal(await ReadAsync(saved.Id, savedEvidence.Id, savedMessage.Id), await ReadAsync(written.Id, writtenEvidence.Id, writtenMessage.Id));
        var stored = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.SubjectId == written.Id.ToString()));
        Assert.True(stored.Id > 0, "The database numbers the entry.");
        Assert.Equal((entry.At, entry.ActorName, entry.Action, entry.Details), (stored.At, stored.ActorName, stored.Action, stored.Details));
    }

    [Fact]
    public async Task RowsPreparedOnOneContextAreWrittenOnAnotherAsTheyWereWhenPrepared()
    {
        var school = await TestSchool.CreateAsync(app);
        var (saved, savedEvidence, savedMessage) = Rows(school);
        var (written, writtenEvidence, writtenMessage) = Rows(school);
        await SaveThroughTheContextAsync(saved, savedEvidence, savedMessage);
        CopyTimes(written);
        var rows = await app.WithDbAsync(db => Task.FromResult(new RowWrite().Add(written).AddRange(written.Pupils).AddRange(written.Guardians)
            .Add(writtenEvidence).Add(writtenMessage).Prepare(db)));
        // The values were read when the rows were prepared: a change now is not written.
        var subject = writtenMessage.Subject;
        writtenMessage.Subject = "changed after";

        var inserted = await app.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var count = await rows.ExecuteAsync(db, CancellationToken.None);
            await transaction.CommitAsync();
            return count;
        });

        Assert.Equal(5, inserted);
        writtenMessage.Subject = subject;
        Assert.Equal(await ReadAsync(saved.Id, savedEvidence.Id, savedMessage.Id), await ReadAsync(written.Id, writtenEvidence.Id, writtenMessage.Id));
        Assert.Throws<InvalidOperationException>(() => rows.Add(new EvidenceRecord { Id = Guid.NewGuid(), SchoolId = school.SchoolId, SessionId = written.Id, Stage = EvidenceStages.Booking }));
    }

    [Fact]
    public async Task ARowWithoutItsKeyIsRefusedAndNothingIsWritten()
    {
        var school = await TestSchool.CreateAsync(app);
        var (session, _, _) = Rows(school);
        var keyless = new EvidenceRecord { Id = Guid.Empty, SchoolId = school.SchoolId, SessionId = session.Id, Stage = EvidenceStages.Booking };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await new RowWrite().Add(session).Add(keyless).ExecuteAsync(db, CancellationToken.None);
            await transaction.CommitAsync();
            return 0;
        }));

        Assert.Contains("EvidenceRecord.Id", error.Message);
        Assert.Equal(0, await app.WithDbAsync(db => db.Sessions.CountAsync(s => s.Id == session.Id)));
    }

    [Fact]
    public async Task ARowUpdatedByHandReadsBackAsTheSameUpdateMadeThroughTheContext()
    {
        var school = await TestSchool.CreateAsync(app);
        var (_, _, viaContext) = Rows(school);
        var (_, _, byHand) = Rows(school);
        var token = Guid.NewGuid();
        var sentAt = Start.AddDays(-2).AddMilliseconds(765);
        foreach (var m in new[] { viaContext, byHand })
        {
            (m.SessionId, m.LeaseToken, m.LeaseExpiresAt) = (null, token, Start.AddDays(-2));
        }
        await app.WithDbAsync(async db =>
        {
            db.OutboxMessages.AddRange(viaContext, byHand);
            await db.SaveChangesAsync();
            return 0;
        });
        var update = new RowUpdate<OutboxMessage>(
            [nameof(OutboxMessage.Status), nameof(OutboxMessage.Attempts), nameof(OutboxMessage.SentAt), nameof(OutboxMessage.LastError),
             nameof(OutboxMessage.LeaseToken), nameof(OutboxMessage.LeaseExpiresAt)],
            [nameof(OutboxMessage.Id), nameof(OutboxMessage.LeaseToken)]);

        var (changed, unchanged) = await app.WithDbAsync(async db =>
        {
            await db.OutboxMessages.Where(m => m.Id == viaContext.Id && m.LeaseToken == token).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, MessageStatus.Sent).SetProperty(m => m.Attempts, 3).SetProperty(m => m.SentAt, sentAt)
                .SetProperty(m => m.LastError, "ü \"quoted\" 'reply'").SetProperty(m => m.LeaseToken, (Guid?)null)
                .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null));
            var changed = await update.ExecuteAsync(db, [MessageStatus.Sent, 3, sentAt, "ü \"quoted\" 'reply'", null, null, byHand.Id, token], CancellationToken.None);
            // Under a token that is not the row's, nothing changes.
            var unchanged = await update.ExecuteAsync(db, [MessageStatus.Failed, 9, null, "x", null, null, byHand.Id, Guid.NewGuid()], CancellationToken.None);
            return (changed, unchanged);
        });

        Assert.Equal((1, 0), (changed, unchanged));
        var rows = await app.WithDbAsync(async db => await db.OutboxMessages.AsNoTracking()
            .Where(m => m.Id == viaContext.Id || m.Id == byHand.Id)
            .Select(m => new { m.Id, m.Status, m.Attempts, m.SentAt, m.LastError, m.LeaseToken, m.LeaseExpiresAt })
            .ToListAsync());
        var a = rows.Single(r => r.Id == viaContext.Id);
        var b = rows.Single(r => r.Id == byHand.Id);
        Assert.Equal((a.Status, a.Attempts, a.SentAt, a.LastError, a.LeaseToken, a.LeaseExpiresAt), (b.Status, b.Attempts, b.SentAt, b.LastError, b.LeaseToken, b.LeaseExpiresAt));
        Assert.Equal(sentAt, b.SentAt);
        Assert.Equal(MessageStatus.Sent, b.Status);
        // Filtering on the stored form: the converted status matches as EF writes it.
        Assert.Equal(2, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => (m.Id == viaContext.Id || m.Id == byHand.Id) && m.Status == MessageStatus.Sent && m.SentAt == sentAt)));
    }

    private Task<int> SaveThroughTheContextAsync(Session session, EvidenceRecord evidence, OutboxMessage message) => app.WithDbAsync(async db =>
    {
        db.Sessions.Add(session);
        db.Evidence.Add(evidence);
        db.OutboxMessages.Add(message);
        await db.SaveChangesAsync();
        return 0;
    });

    /// <summary>The session's id and times on its pupils and guardians, as the context would copy them on save.</summary>
    private static void CopyTimes(Session session)
    {
        foreach (var p in session.Pupils)
        {
            (p.SessionId, p.Start, p.End) = (session.Id, session.Start, session.End);
        }
        foreach (var g in session.Guardians)
        {
            (g.SessionId, g.Start, g.End) = (session.Id, session.Start, session.End);
        }
    }

    private static (Session Session, EvidenceRecord Evidence, OutboxMessage Message) Rows(TestSchool school)
    {
        var session = new Session
        {
            SchoolId = school.SchoolId,
            TeacherId = school.TeacherId,
            Kind = SessionKind.Pastoral,
            Start = Start,
            End = Start.AddMinutes(45),
            DurationMinutes = 45,
            Provider = CallProviders.Teams,
            BookedAt = Start.AddDays(-3).AddTicks(1234567),
            BookedById = school.TeacherId,
            Pupils = [new SessionPupil { SchoolId = school.SchoolId, PupilId = school.SiblingA }],
            Guardians = [new SessionGuardian { SchoolId = school.SchoolId, GuardianId = school.SharedParent }],
        };
        var evidence = new EvidenceRecord
        {
            SchoolId = school.SchoolId,
            SessionId = session.Id,
            Stage = EvidenceStages.Booking,
            Sequence = 2,
            RecordedAt = Start.AddDays(-3),
            Items =
            [
                new EvidenceItem { Clause = 3, Rule = "SchoolHours", Passed = true, Text = "Inside 09:00–15:00 \"school\" hours" },
                new EvidenceItem { Clause = 8, Rule = "Notice", Passed = false, Text = "ü\n✓ <b>" },
            ],
        };
        var message = new OutboxMessage
        {
            SchoolId = school.SchoolId,
            SessionId = session.Id,
            Kind = MessageKind.Booked,
            RecipientRole = "guardian",
            RecipientId = school.SharedParent,
            RecipientName = "Parent",
            RecipientEmail = "parent@example.org",
            Subject = "Session booked",
            MessageIdHeader = $"{Guid.NewGuid()}@chaperone.test",
            Facts = "{\"a\":1}",
            SessionSequence = 0,
            CreatedAt = Start.AddDays(-3),
            NextAttemptAt = Start.AddDays(-3),
        };
        return (session, evidence, message);
    }

    /// <summary>The rows as read back, as JSON, with their own ids and unique headers left out so that two copies compare equal.</summary>
    private Task<string> ReadAsync(Guid sessionId, Guid evidenceId, Guid messageId) => app.WithDbAsync(async db =>
    {
        var session = await db.Sessions.AsNoTracking().Include(s => s.Pupils).Include(s => s.Guardians).SingleAsync(s => s.Id == sessionId);
        var evidence = await db.Evidence.AsNoTracking().SingleAsync(e => e.Id == evidenceId);
        var message = await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == messageId);
        return JsonSerializer.Serialize(new
        {
            session.SchoolId, session.TeacherId, session.Kind, session.Status, Start = session.Start.ToUniversalTime(), End = session.End.ToUniversalTime(),
            session.DurationMinutes, session.Provider, BookedAt = session.BookedAt.ToUniversalTime(), session.BookedById, session.Sequence,
            session.RescheduledAt, session.CancelledAt, session.CancelledById, session.CancellationReason,
            Pupils = session.Pupils.Select(p => new { p.SchoolId, p.PupilId, Start = p.Start.ToUniversalTime(), End = p.End.ToUniversalTime(), Own = p.SessionId == sessionId }),
            Guardians = session.Guardians.Select(g => new { g.SchoolId, g.GuardianId, Start = g.Start.ToUniversalTime(), End = g.End.ToUniversalTime(), Own = g.SessionId == sessionId }),
            Evidence = new { evidence.SchoolId, Own = evidence.SessionId == sessionId, evidence.Stage, evidence.Sequence, RecordedAt = evidence.RecordedAt.ToUniversalTime(), evidence.Items },
            Message = new
            {
                message.SchoolId, Own = message.SessionId == sessionId, message.Kind, message.Status, message.RecipientRole, message.RecipientId, message.RecipientName,
                message.RecipientEmail, message.Subject, message.Facts, message.Mime, message.SessionSequence, CreatedAt = message.CreatedAt.ToUniversalTime(),
                NextAttemptAt = message.NextAttemptAt.ToUniversalTime(), message.Attempts, message.LeaseToken, message.LeaseExpiresAt,
            },
        });
    });
}

public sealed class RowWriteOnSqlite(ChaperoneApp app) : RowWriteTests(app), IClassFixture<ChaperoneApp>;

public sealed class RowWriteOnPostgres(PostgresChaperoneApp app) : RowWriteTests(app), IClassFixture<PostgresChaperoneApp>;
