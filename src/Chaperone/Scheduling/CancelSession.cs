using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Scheduling;

/// <summary>Cancels a scheduled session with a reason; the session stays on record, freeing its people's time.</summary>
public sealed class CancelSession(ChaperoneDbContext db, TimeProvider clock, Calls.CallProviderResolver calls, SessionNotifications notifications, OutboxSignal outbox)
{
    public async Task<SessionOutcome> HandleAsync(ClaimsPrincipal user, Guid sessionId, CancelRequest request, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var session = await ListSessions.Visible(db, user).FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return await ListSessions.RefusalAsync(db, user, sessionId, ct);
        }
        if (!SchedulingAccess.MayManageFor(user, session.TeacherId))
        {
            return new SessionOutcome.Forbidden("Only the session's teacher or a senior leader can cancel it.");
        }
        var errors = RequestValidation.CheckCancel(request);
        if (errors.Count > 0)
        {
            return new SessionOutcome.Invalid(errors);
        }
        if (session.Status != SessionStatus.Scheduled)
        {
            return new SessionOutcome.WrongState($"The session is {session.Status.ToApi()}; only a scheduled session can be cancelled.");
        }
        session.Status = SessionStatus.Cancelled;
        session.CancelledAt = clock.GetUtcNow();
        session.CancelledById = user.UserId();
        session.CancellationReason = request.Reason!.Trim();
        AuditLog.Record(db, user, AuditActions.SessionCancelled, AuditSubjects.Session, session.Id, new { reason = session.CancellationReason });
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await notifications.SessionCancelledAsync(session, ct); // clause 8: the emails commit with the cancellation
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                return SchedulingAccess.ChangedMeanwhile();
            }
            await write.CommitAsync(ct);
        }
        outbox.Wake();
        if (calls.For(session) is { } call)
        {
            await call.CancelAsync(session, ct); // a failure is kept by the provider and retried
        }
        return new SessionOutcome.Done((await SessionView.LoadAsync(db, schoolId, session.Id, ct))!);
    }
}
