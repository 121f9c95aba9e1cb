namespace Chaperone.Policy.Rules;

/// <summary>
/// Sensible bounds on length (10–120 minutes), under clause 3: the teacher must be able to host
/// and supervise the whole session.
/// </summary>
public sealed class DurationRule : IBookingRule
{
    public int Clause => Clauses.SchoolHours;
    public bool JudgesTime => true;

    public bool Allows(BookingProposal proposal, PolicySettings settings) =>
        proposal.DurationMinutes is >= PolicySettings.MinimumDurationMinutes and <= PolicySettings.MaximumDurationMinutes;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        var minutes = proposal.DurationMinutes;
        yield return Allows(proposal, settings)
            ? Finding.Pass(Clause, "duration", $"{minutes} minutes long.")
            : Finding.Fail(Clause, "duration", $"A session lasts between {PolicySettings.MinimumDurationMinutes} and {PolicySettings.MaximumDurationMinutes} minutes; {minutes} was asked for.", "durationMinutes");
    }
}
