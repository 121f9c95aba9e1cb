using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Policy.Rules;

/// <summary>
/// Clause 3: the whole session lies inside school hours on a school day, in the school's time
/// zone. Starting at the start of the day and ending exactly at its end is allowed.
/// </summary>
public sealed class SchoolHoursRule : IBookingRule
{
    private static readonly LocalTimePattern Hm = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
    private static readonly LocalDatePattern LongDate = LocalDatePattern.Create("dddd d MMMM uuuu", CultureInfo.GetCultureInfo("en-GB"));

    public int Clause => Clauses.SchoolHours;
    public bool JudgesTime => true;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        var start = proposal.Start.InZone(settings.TimeZone).LocalDateTime;
        var end = proposal.End.InZone(settings.TimeZone).LocalDateTime;
        var day = start.Date;
        var dayText = LongDate.Format(day);

        if (!settings.SchoolDays.Contains(day.DayOfWeek))
        {
            yield return Finding.Fail(Clause, "school-day", $"{dayText} is not a school day.", "start");
        }
        else if (settings.ClosureOn(day) is { } closure)
        {
            yield return Finding.Fail(Clause, "school-closed", $"The school is closed on {dayText} ({closure.Reason}).", "start");
        }
        else
        {
            yield return Finding.Pass(Clause, "school-day", $"{dayText} is a school day.");
        }

        var hours = $"{Hm.Format(settings.DayStart)}–{Hm.Format(settings.DayEnd)}";
        var inHours = start.TimeOfDay >= settings.DayStart
            && end.Date == day
            && end.TimeOfDay <= settings.DayEnd;
        if (inHours)
        {
            yield return Finding.Pass(Clause, "school-hours", $"{Hm.Format(start.TimeOfDay)}–{Hm.Format(end.TimeOfDay)} lies within school hours ({hours}, {settings.TimeZone.Id}).");
        }
        else
        {
            var endText = end.Date == day ? Hm.Format(end.TimeOfDay) : $"{Hm.Format(end.TimeOfDay)} the next day";
            yield return Finding.Fail(Clause, "school-hours", $"The session would run {Hm.Format(start.TimeOfDay)}–{endText}; it must lie within school hours ({hours}, {settings.TimeZone.Id}).", "start");
        }
    }
}
