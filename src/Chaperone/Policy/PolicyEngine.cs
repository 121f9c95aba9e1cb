using Chaperone.Policy.Rules;

namespace Chaperone.Policy;

/// <summary>The outcome of judging a proposal: every finding, passed or failed, from every rule.</summary>
public sealed record BookingVerdict(IReadOnlyList<Finding> Findings)
{
    public IEnumerable<Finding> Violations => Findings.Where(f => !f.Passed);
    public bool Allowed => Findings.All(f => f.Passed);
}

/// <summary>
/// The booking rules, all evaluated and all reported. Pure: no clock, no database; the caller
/// gathers a <see cref="BookingProposal"/> and the school's <see cref="PolicySettings"/>.
/// </summary>
public static class PolicyEngine
{
    public static IReadOnlyList<IBookingRule> BookingRules { get; } =
    [
        new ParentalResponsibilityRule(),
        new PlatformFamiliarisationRule(),
        new SchoolHoursRule(),
        new DurationRule(),
        new ParticipantsRule(),
        new DistinctParticipantsRule(),
        new MinimumNoticeRule(),
        new GuardianEmailRule(),
    ];

    public static IReadOnlyList<IBookingRule> TimeRules { get; } = BookingRules.Where(r => r.JudgesTime).ToArray();

    public static BookingVerdict Judge(BookingProposal proposal, PolicySettings settings) =>
        new(BookingRules.SelectMany(rule => rule.Evaluate(proposal, settings)).ToList());

    /// <summary>Judges only the rules about who takes part, whatever the time (for the slot finder).</summary>
    public static BookingVerdict JudgePeople(BookingProposal proposal, PolicySettings settings) =>
        new(BookingRules.Where(r => !r.JudgesTime).SelectMany(rule => rule.Evaluate(proposal, settings)).ToList());

    /// <summary>True when the time-only rules accept this start; used by the slot finder.</summary>
    public static bool TimeIsAllowed(BookingProposal proposal, PolicySettings settings)
    {
        foreach (var rule in TimeRules)
        {
            if (!rule.Allows(proposal, settings))
            {
                return false;
            }
        }
        return true;
    }
}
