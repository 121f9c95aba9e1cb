using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Policy;
using Chaperone.Storage;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>
/// Books a session: the request's shape (400), the people in this school (404), every policy
/// rule (422, all violations), then, inside one transaction, nobody double-booked (409) and the
/// session with its booking evidence written together.
/// </summary>
public sealed class BookSession(ChaperoneDbContext db, TimeProvider clock, Calls.CallProviderResolver calls, IBookingNotifications notifications, OutboxSignal outbox, AuditSignal audit, ChaperoneMetrics metrics)
{
    public async Task<SessionOutcome> HandleAsync(ClaimsPrincipal user, BookSessionRequest request, CancellationToken ct)
    {
        var errors = RequestValidation.CheckBooking(request, out var parsed);
        if (parsed is null)
        {
            return new SessionOutcome.Invalid(errors);
        }
        var schoolId = user.SchoolId();
        var (settings, providers, people, missing) = await BookingFacts.LoadForBookingAsync(db, schoolId, parsed.TeacherId, parsed.PupilIds, parsed.GuardianIds, ct);
        var (provider, providerError) = Teams.ProviderChoice.Resolve(providers, parsed.Provider);
        if (provider is null)
        {
            return new SessionOutcome.Invalid(new() { ["provider"] = [providerError!] });
        }
        if (people is null)
        {
            return missing!;
        }
        if (!SchedulingAccess.MayManageFor(user, people.Host.Id))
        {
            return new SessionOutcome.Forbidden("Teachers can book only their own sessions.");
        }

        var now = clock.GetUtcNow();
        var verdict = PolicyEngine.Judge(people.At(Instant.FromDateTimeOffset(now), parsed.Start, parsed.DurationMinutes), settings);
        if (!verdict.Allowed)
        {
            return new SessionOutcome.Refused(verdict.Violations.ToList());
        }

        var start = parsed.Start.ToDateTimeOffset();
        var end = start.AddMinutes(parsed.DurationMinutes);
        var bookedBy = user.UserId();
        var pupilIds = people.PupilIds.ToList();
        var guardianIds = people.GuardianIds.ToList();
        var session = new Session
        {
            SchoolId = schoolId,
            TeacherId = people.Host.Id,
            Kind = parsed.Kind,
            Start = start,
            End = end,
            DurationMinutes = parsed.DurationMinutes,
            Provider = provider,
            BookedAt = now,
            BookedById = bookedBy,
            Pupils = people.Pupils.Select(p => new SessionPupil { SchoolId = schoolId, PupilId = p.Id }).ToList(),
            Guardians = people.Guardians.Select(g => new SessionGuardian { SchoolId = schoolId, GuardianId = g.Id }).ToList(),
        };
        // Clause 8: the emails are composed now and committed with the booking, or not at all.
        var emails = await notifications.ComposeBookedAsync(session, people, settings, ct);
        var rows = RowsOf(session, SchedulingAccess.EvidenceOf(verdict, session, now, "Booked"), emails,
            AuditLog.Entry(schoolId, AuditActor.From(user), AuditActions.SessionBooked, AuditSubjects.Session, Ids.Format(session.Id),
                new { session.Start, session.End, session.Kind, session.TeacherId }, now)).Prepare(db);
        var answer = Booked(session, people, settings);

        // The checks against other bookings and the writes share one transaction: the rows and
        // their statement are made above, so the write itself is only the check and one command
        // of inserts, with nothing left to convert.
        var outcome = await Conflicts.WriteAsync<SessionOutcome>(db, [people.Host.Id, .. pupilIds, .. guardianIds], async (store, ct) =>
        {
            var conflicts = await Conflicts.FindAsync(store, schoolId, people.Host.Id, pupilIds, guardianIds, start, end, null, ct);
            return conflicts.Count > 0
                ? WriteDecision.Discard<SessionOutcome>(new SessionOutcome.Clash(conflicts))
                : WriteDecision.Commit<SessionOutcome>(answer, rows);
        }, ct);
        if (outcome is SessionOutcome.Done)
        {
            outbox.Wake();
            audit.Raise();
            metrics.Booked(session.Provider);
            // The call itself is made after the commit: a failure is kept by the provider (for Teams,
            // on the meeting's row, shown to the teacher and retried), never losing the booking.
            if (calls.For(session) is { } call)
            {
                await call.CreateAsync(session, ct);
            }
        }
        return outcome;
    }

    /// <summary>
    /// Everything a booking writes, as new rows: the session, its pupils and guardians (carrying
    /// the session's times, as the context would copy them), the booking evidence, the emails, the
    /// audit entry (stamped with its time here, as the audit interceptor would) and, for Teams,
    /// the meeting to be made.
    /// </summary>
    private static RowWrite RowsOf(Session session, Compliance.EvidenceRecord evidence, List<OutboxMessage> emails, AuditEntry entry)
    {
        foreach (var pupil in session.Pupils)
        {
            (pupil.SessionId, pupil.Start, pupil.End) = (session.Id, session.Start, session.End);
        }
        foreach (var guardian in session.Guardians)
        {
            (guardian.SessionId, guardian.Start, guardian.End) = (session.Id, session.Start, session.End);
        }
        var rows = new RowWrite()
            .Add(session)
            .AddRange(session.Pupils)
            .AddRange(session.Guardians)
            .Add(evidence)
            .AddRange(emails)
            .Add(entry);
        if (session.Provider == CallProviders.Teams)
        {
            // Committed with the booking, so a meeting that cannot be made now is retried, never forgotten.
            rows.Add(new Teams.TeamsMeeting { SchoolId = session.SchoolId, SessionId = session.Id });
        }
        return rows;
    }

    /// <summary>The new session as the API shows it, from what is already in hand (no second read).</summary>
    private static SessionOutcome.Done Booked(Session session, BookingPeople people, PolicySettings settings) =>
        new SessionOutcome.Done(SessionView.ToDto(
            session,
            new PersonRef(Ids.Format(people.Host.Id), people.Host.Name),
            people.Pupils.Select(p => new PersonRef(Ids.Format(p.Id), p.Name)),
            people.Guardians.Select(g => new GuardianRef(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email)),
            settings.TimeZone));
}
