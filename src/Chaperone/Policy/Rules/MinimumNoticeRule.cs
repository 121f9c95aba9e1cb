using NodaTime;

namespace Chaperone.Policy.Rules;

/// <summary>
/// Clause 8: a session starts at least the minimum notice (48 elapsed hours by default) after
/// the moment it is booked or rescheduled. Exactly the minimum is allowed.
/// </summary>
public sealed class MinimumNoticeRule : IBookingRule
{
    public int Clause => Clauses.Notice;
    public bool JudgesTime => true;

    public bool Allows(BookingProposal proposal, PolicySettings settings) =>
        proposal.Start >= proposal.Now && proposal.Start - proposal.Now >= settings.MinimumNotice;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        var notice = proposal.Start - proposal.Now;
        var hours = settings.MinimumNotice.TotalHours;
        if (proposal.Start < proposal.Now)
        {
            yield return Finding.Fail(Clause, "start-in-past", "The start is in the past.", "start");
            yield break;
        }
        if (notice >= settings.MinimumNotice)
        {
            yield return Finding.Pass(Clause, "minimum-notice", $"Booked {Describe(notice)} ahead (at least {hours:0.#} hours required).");
        }
        else
        {
            yield return Finding.Fail(Clause, "minimum-notice", $"Sessions must be booked at least {hours:0.#} hours ahead; this one is only {Describe(notice)} away.", "start");
        }
    }

    private static string Describe(Duration d)
    {
        var totalMinutes = (long)Math.Floor(d.TotalMinutes);
        return $"{totalMinutes / 60} h {totalMinutes % 60:00} min";
    }
}
