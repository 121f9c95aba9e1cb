using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Storage;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>
/// Books a session: the request's shape (400), the people in this school (404), every policy
/// rule (422, all violations), then, inside one transaction, nobody double-booked (409) and the
/// session with its booking evidence written together.
/// </summary>
public sealed class BookSession(ChaperoneDbContext db, TimeProvider clock)
{
    public async Task<SessionOutcome> HandleAsync(ClaimsPrincipal user, BookSessionRequest request, CancellationToken ct)
    {
        var errors = RequestValidation.CheckBooking(request, out var parsed);
        if (parsed is null)
        {
            return new SessionOutcome.Invalid(errors);
        }
        if (parsed.Provider == CallProviders.Teams)
        {
            return new SessionOutcome.Invalid(new() { ["provider"] = ["Microsoft Teams is not set up for this school; use 'builtin'."] });
        }
        var schoolId = user.SchoolId();
        var school = await BookingFacts.LoadSchoolAsync(db, schoolId, ct);
        var (people, missing) = await BookingFacts.LoadPeopleAsync(db, schoolId, parsed.TeacherId, parsed.PupilIds, parsed.GuardianIds, ct);
        if (school is null || people is null)
        {
            return new SessionOutcome.Missing("Some of the people named are not in your school's records.", missing);
        }
        if (!SchedulingAccess.MayManageFor(user, people.Host.Id))
        {
            return new SessionOutcome.Forbidden("Teachers can book only their own sessions.");
        }

        var settings = school.ToPolicySettings();
        var now = clock.GetUtcNow();
        var verdict = PolicyEngine.Judge(people.At(Instant.FromDateTimeOffset(now), parsed.Start, parsed.DurationMinutes), settings);
        if (!verdict.Allowed)
        {
            return new SessionOutcome.Refused(verdict.Violations.ToList());
        }

        var start = parsed.Start.ToDateTimeOffset();
        var end = start.AddMinutes(parsed.DurationMinutes);
        await using var transaction = await Conflicts.BeginAsync(db, [people.Host.Id, .. people.PupilIds, .. people.GuardianIds], ct);
        var conflicts = await Conflicts.FindAsync(db, schoolId, people.Host.Id, people.PupilIds.ToList(), people.GuardianIds.ToList(), start, end, null, ct);
        if (conflicts.Count > 0)
        {
            return new SessionOutcome.Clash(conflicts);
        }

        var session = new Session
        {
            SchoolId = schoolId,
            TeacherId = people.Host.Id,
            Kind = parsed.Kind,
            Start = start,
            End = end,
            DurationMinutes = parsed.DurationMinutes,
            Provider = parsed.Provider ?? CallProviders.BuiltIn,
            BookedAt = now,
            BookedById = user.UserId(),
            Pupils = people.Pupils.Select(p => new SessionPupil { SchoolId = schoolId, PupilId = p.Id }).ToList(),
            Guardians = people.Guardians.Select(g => new SessionGuardian { SchoolId = schoolId, GuardianId = g.Id }).ToList(),
        };
        db.Sessions.Add(session);
        db.Evidence.Add(SchedulingAccess.EvidenceOf(verdict, session, now, "Booked"));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        return new SessionOutcome.Done(ToDto(session, people, settings.TimeZone));
    }

    /// <summary>The new session as the API shows it, from what is already in hand (no second read).</summary>
    private static SessionDto ToDto(Session s, BookingPeople people, DateTimeZone zone) => new(
        Ids.Format(s.Id),
        s.Status.ToApi(),
        s.Kind.ToApi(),
        s.Start,
        s.End,
        SessionView.Local(s.Start, zone),
        SessionView.Local(s.End, zone),
        zone.Id,
        s.DurationMinutes,
        new PersonRef(Ids.Format(people.Host.Id), people.Host.Name),
        people.Pupils.OrderBy(p => p.Name).Select(p => new PersonRef(Ids.Format(p.Id), p.Name)).ToList(),
        people.Guardians.OrderBy(g => g.Name).Select(g => new GuardianRef(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email)).ToList(),
        s.Provider,
        s.BookedAt,
        s.Sequence,
        null);
}
