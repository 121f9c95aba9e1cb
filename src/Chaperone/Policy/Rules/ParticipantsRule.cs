namespace Chaperone.Policy.Rules;

/// <summary>
/// Clause 4: a teacher (one who still has access, not one who has left) hosts, at least one pupil attends, and each pupil has at least one invited
/// guardian linked to them to supervise; together at least the minimum number of participants.
/// </summary>
public sealed class ParticipantsRule : IBookingRule
{
    public int Clause => Clauses.Participants;
    public bool JudgesTime => false;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        yield return proposal.Host switch
        {
            { AccessEnded: true } => Finding.Fail(Clause, "teacher-host", $"{proposal.Host.Name}’s access has ended (they have left the school), so they cannot host a session.", "teacherId"),
            { IsTeacher: true } => Finding.Pass(Clause, "teacher-host", $"{proposal.Host.Name} hosts as a teacher."),
            _ => Finding.Fail(Clause, "teacher-host", $"{proposal.Host.Name} is not a teacher, so cannot host a session.", "teacherId"),
        };

        if (proposal.Pupils.Count == 0)
        {
            yield return Finding.Fail(Clause, "pupil-required", "A session needs at least one pupil.", "pupilIds");
        }

        var invited = proposal.Guardians.Select(g => g.Id).ToHashSet();
        foreach (var pupil in proposal.Pupils)
        {
            var supervisors = proposal.Guardians.Where(g => pupil.LinkedGuardianIds.Contains(g.Id)).ToList();
            yield return supervisors.Count > 0
                ? Finding.Pass(Clause, "supervising-guardian", $"{pupil.Name} is supervised by {string.Join(" and ", supervisors.Select(s => s.Name))}.")
                : Finding.Fail(Clause, "supervising-guardian", $"{pupil.Name} has no invited parent or carer to supervise; invite one linked to {pupil.Name}.", "guardianIds");
        }

        var linkedToSomePupil = proposal.Pupils.SelectMany(p => p.LinkedGuardianIds).ToHashSet();
        foreach (var guardian in proposal.Guardians.Where(g => !linkedToSomePupil.Contains(g.Id)))
        {
            yield return Finding.Fail(Clause, "guardian-not-linked", $"{guardian.Name} is not a parent or carer of any pupil in this session.", "guardianIds");
        }

        var participants = 1 + proposal.Pupils.Count + invited.Count;
        yield return participants >= settings.MinimumParticipants
            ? Finding.Pass(Clause, "minimum-participants", $"{participants} participants (at least {settings.MinimumParticipants}).")
            : Finding.Fail(Clause, "minimum-participants", $"A session needs at least {settings.MinimumParticipants} participants (teacher, pupil and supervising parent or carer); this one has {participants}.");
    }
}
