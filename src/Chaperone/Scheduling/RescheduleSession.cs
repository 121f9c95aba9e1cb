using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>
/// Moves a scheduled session. Every booking rule is judged again as if booked now (48 hours'
/// notice counts from the moment of rescheduling) against the people's current records.
/// </summary>
public sealed class RescheduleSession(ChaperoneDbContext db, TimeProvider clock, Calls.CallProviderResolver calls, SessionNotifications notifications, OutboxSignal outbox)
{
    public async Task<SessionOutcome> HandleAsync(ClaimsPrincipal user, Guid sessionId, RescheduleRequest request, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var session = await ListSessions.Visible(db, user).Include(s => s.Pupils).Include(s => s.Guardians).FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        if (session is null)
        {
            return await ListSessions.RefusalAsync(db, user, sessionId, ct);
        }
        if (!SchedulingAccess.MayManageFor(user, session.TeacherId))
        {
            return new SessionOutcome.Forbidden("Only the session's teacher or a senior leader can move it.");
        }
        var errors = RequestValidation.CheckReschedule(request, out var start, out var duration);
        if (errors.Count > 0)
        {
            return new SessionOutcome.Invalid(errors);
        }
        if (session.Status != SessionStatus.Scheduled)
        {
            return new SessionOutcome.WrongState($"The session is {session.Status.ToApi()}; only a scheduled session can be moved.");
        }

        var (settings, people, missing) = await BookingFacts.LoadAsync(db, schoolId, Ids.Format(session.TeacherId),
            session.Pupils.Select(p => Ids.Format(p.PupilId)).ToList(), session.Guardians.Select(g => Ids.Format(g.GuardianId)).ToList(), ct,
            "Someone in this session is no longer in the school's records.");
        if (people is null)
        {
            return missing!;
        }
        var now = clock.GetUtcNow();
        var verdict = PolicyEngine.Judge(people.At(Instant.FromDateTimeOffset(now), start, duration), settings);
        if (!verdict.Allowed)
        {
            return new SessionOutcome.Refused(verdict.Violations.ToList());
        }

        var newStart = start.ToDateTimeOffset();
        var newEnd = newStart.AddMinutes(duration);
        await using var transaction = await Conflicts.BeginAsync(db, [session.Id, people.Host.Id, .. people.PupilIds, .. people.GuardianIds], ct);
        var conflicts = await Conflicts.FindAsync(db, schoolId, people.Host.Id, people.PupilIds.ToList(), people.GuardianIds.ToList(), newStart, newEnd, session.Id, ct);
        if (conflicts.Count > 0)
        {
            return new SessionOutcome.Clash(conflicts);
        }
        var movedFrom = session.Start;
        session.Start = newStart;
        session.End = newEnd;
        session.DurationMinutes = duration;
        session.Sequence++;
        session.RescheduledAt = now;
        db.Evidence.Add(SchedulingAccess.EvidenceOf(verdict, session, now, "Rescheduled"));
        AuditLog.Record(db, user, AuditActions.SessionRescheduled, AuditSubjects.Session, session.Id, new { session.Start, session.End });
        await notifications.SessionRescheduledAsync(session, movedFrom, ct); // clause 8: the emails commit with the move, saying the time it moved from
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return SchedulingAccess.ChangedMeanwhile();
        }
        await transaction.CommitAsync(ct);
        outbox.Wake();
        if (calls.For(session) is { } call)
        {
            await call.UpdateAsync(session, ct); // a failure is kept by the provider and retried
        }
        return new SessionOutcome.Done((await SessionView.LoadAsync(db, schoolId, session.Id, ct))!);
    }
}
