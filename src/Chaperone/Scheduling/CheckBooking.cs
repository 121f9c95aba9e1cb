using System.Security.Claims;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Storage;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>What booking would say, clause by clause, without booking.</summary>
public sealed record BookingCheckDto(
    bool Allowed,
    IReadOnlyList<ClauseVerdictDto> Clauses,
    IReadOnlyList<ViolationDto> Violations,
    IReadOnlyList<ConflictDto> Conflicts);

/// <summary>Judges a proposed booking as <see cref="BookSession"/> would, and says so per clause, writing nothing.</summary>
public sealed class CheckBooking(ChaperoneDbContext db, TimeProvider clock)
{
    public async Task<(BookingCheckDto? Check, SessionOutcome? Problem)> HandleAsync(ClaimsPrincipal user, BookSessionRequest request, CancellationToken ct)
    {
        var errors = RequestValidation.CheckBooking(request, out var parsed);
        if (parsed is null)
        {
            return (null, new SessionOutcome.Invalid(errors));
        }
        var schoolId = user.SchoolId();
        var (settings, people, missing) = await BookingFacts.LoadAsync(db, schoolId, parsed.TeacherId, parsed.PupilIds, parsed.GuardianIds, ct);
        if (people is null)
        {
            return (null, missing);
        }
        var now = clock.GetUtcNow();
        var verdict = PolicyEngine.Judge(people.At(Instant.FromDateTimeOffset(now), parsed.Start, parsed.DurationMinutes), settings);
        var start = parsed.Start.ToDateTimeOffset();
        var conflicts = await Conflicts.FindAsync(db, schoolId, people.Host.Id, people.PupilIds.ToList(), people.GuardianIds.ToList(),
            start, start.AddMinutes(parsed.DurationMinutes), null, ct);
        return (new BookingCheckDto(
            verdict.Allowed && conflicts.Count == 0,
            ComplianceAssessor.Preview(verdict, now),
            verdict.Violations.Select(ViolationDto.From).ToList(),
            conflicts), null);
    }
}
