using NodaTime.Text;

namespace Chaperone.Policy.Rules;

/// <summary>Clause 2: only a teacher who has confirmed they know the platform (privacy and mute settings) may host.</summary>
public sealed class PlatformFamiliarisationRule : IBookingRule
{
    public int Clause => Clauses.PlatformAndRecording;
    public bool JudgesTime => false;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        var today = proposal.Now.InZone(settings.TimeZone).Date;
        yield return proposal.Host.FamiliarisationConfirmedOn is { } on && on <= today
            ? Finding.Pass(Clause, "platform-familiarisation", $"{proposal.Host.Name} confirmed platform familiarisation on {LocalDatePattern.Iso.Format(on)}.")
            : Finding.Fail(Clause, "platform-familiarisation", $"{proposal.Host.Name} has not confirmed familiarisation with the platform's privacy and mute settings, so cannot host yet.", "teacherId");
    }
}
