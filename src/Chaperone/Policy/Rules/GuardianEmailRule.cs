namespace Chaperone.Policy.Rules;

/// <summary>Clause 8: parents are notified by email, so every invited guardian needs an email address.</summary>
public sealed class GuardianEmailRule : IBookingRule
{
    public int Clause => Clauses.Notice;
    public bool JudgesTime => false;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        foreach (var guardian in proposal.Guardians)
        {
            if (string.IsNullOrWhiteSpace(guardian.Email))
            {
                yield return Finding.Fail(Clause, "guardian-email", $"{guardian.Name} has no email address, so cannot be sent notice of the session.", "guardianIds");
            }
            else
            {
                yield return Finding.Pass(Clause, "guardian-email", $"{guardian.Name} will be notified at {guardian.Email}.");
            }
        }
    }
}
