using NodaTime;

namespace Chaperone.Policy;

/// <summary>The teacher who would host, as the rules need to see them.</summary>
/// <param name="AccessEnded">An admin ended their access: they left the school.</param>
public sealed record HostFacts(Guid Id, string Name, bool IsTeacher, LocalDate? FamiliarisationConfirmedOn, bool AccessEnded = false);

/// <summary>A pupil on the proposed session, with the guardians linked to them in the school's records.</summary>
public sealed record PupilFacts(Guid Id, string Name, IReadOnlySet<Guid> LinkedGuardianIds);

/// <summary>An invited guardian, as the rules need to see them.</summary>
public sealed record GuardianFacts(Guid Id, string Name, string Relationship, bool HasParentalResponsibility, string? Email);

/// <summary>
/// Everything the booking rules judge, gathered before they run so that the rules stay pure.
/// <see cref="Now"/> is the moment of booking (or rescheduling), from the injected clock.
/// </summary>
public sealed record BookingProposal(
    Instant Now,
    Instant Start,
    int DurationMinutes,
    HostFacts Host,
    IReadOnlyList<PupilFacts> Pupils,
    IReadOnlyList<GuardianFacts> Guardians,
    IReadOnlyList<Guid> RequestedPupilIds,
    IReadOnlyList<Guid> RequestedGuardianIds)
{
    public Instant End => Start + Duration.FromMinutes(DurationMinutes);
}

/// <summary>
/// What one rule found: either a check that passed (kept as evidence) or a violation.
/// <see cref="Rule"/> is a stable kebab-case name; <see cref="Field"/> names the request field
/// the finding is about, when there is one.
/// </summary>
public sealed record Finding(int Clause, string Rule, bool Passed, string Message, string? Field = null)
{
    public static Finding Pass(int clause, string rule, string message, string? field = null) => new(clause, rule, true, message, field);
    public static Finding Fail(int clause, string rule, string message, string? field = null) => new(clause, rule, false, message, field);
}

/// <summary>A booking rule: a small type serving one clause. Rules never throw for a bad proposal; they report it.</summary>
public interface IBookingRule
{
    int Clause { get; }

    /// <summary>True when the rule looks only at the time of the session, so the slot finder can use it.</summary>
    bool JudgesTime { get; }

    IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings);

    /// <summary>
    /// Whether the rule passes the proposal, without writing any findings: the slot finder asks
    /// this of hundreds of candidate times. Rules override it with the same predicate their
    /// <see cref="Evaluate"/> uses; the default simply evaluates.
    /// </summary>
    bool Allows(BookingProposal proposal, PolicySettings settings) => Evaluate(proposal, settings).All(f => f.Passed);
}
