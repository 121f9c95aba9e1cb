namespace Chaperone.Policy.Rules;

/// <summary>Clause 4: the participants are distinct people; the same pupil or guardian listed twice does not count twice.</summary>
public sealed class DistinctParticipantsRule : IBookingRule
{
    public int Clause => Clauses.Participants;
    public bool JudgesTime => false;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        foreach (var id in Duplicates(proposal.RequestedPupilIds))
        {
            yield return Finding.Fail(Clause, "duplicate-participant", $"Pupil {id} is listed more than once.", "pupilIds");
        }
        foreach (var id in Duplicates(proposal.RequestedGuardianIds))
        {
            yield return Finding.Fail(Clause, "duplicate-participant", $"Guardian {id} is listed more than once.", "guardianIds");
        }
    }

    private static IEnumerable<Guid> Duplicates(IReadOnlyList<Guid> ids) =>
        ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key);
}
