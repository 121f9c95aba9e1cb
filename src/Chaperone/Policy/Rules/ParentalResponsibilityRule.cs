namespace Chaperone.Policy.Rules;

/// <summary>
/// Clause 1: consent is given at the start of the session by a parent, so each pupil needs an
/// invited guardian with parental responsibility for them.
/// </summary>
public sealed class ParentalResponsibilityRule : IBookingRule
{
    public int Clause => Clauses.Consent;
    public bool JudgesTime => false;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        foreach (var pupil in proposal.Pupils)
        {
            var withResponsibility = proposal.Guardians
                .Where(g => g.HasParentalResponsibility && pupil.LinkedGuardianIds.Contains(g.Id))
                .ToList();
            yield return withResponsibility.Count > 0
                ? Finding.Pass(Clause, "parental-responsibility", $"{string.Join(" or ", withResponsibility.Select(g => g.Name))} can give consent for {pupil.Name} at the start.")
                : Finding.Fail(Clause, "parental-responsibility", $"Nobody invited has parental responsibility for {pupil.Name}, so nobody could give consent at the start; invite a parent with parental responsibility.", "guardianIds");
        }
    }
}
