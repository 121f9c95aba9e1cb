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

    public bool Allows(BookingProposal proposal, PolicySettings settings) => Within(proposal.Start, proposal.End, settings);

    /// <summary>Whether the span from <paramref name="start"/> to <paramref name="end"/> lies within one school day's hours, as a booking must.</summary>
    public static bool Within(Instant start, Instant end, PolicySettings settings)
    {
        var (from, to) = (start.InZone(settings.TimeZone).LocalDateTime, end.InZone(settings.TimeZone).LocalDateTime);
        return settings.IsSchoolDay(from.Date) && InHours(from, to, settings);
    }

    private static (LocalDateTime Start, LocalDateTime End) LocalTimes(BookingProposal proposal, PolicySettings settings) =>
        (proposal.Start.InZone(settings.TimeZone).LocalDateTime, proposal.End.InZone(settings.TimeZone).LocalDateTime);

    /// <summary>Starts no earlier than the day's start, and ends on the same day no later than its end.</summary>
    private static bool InHours(LocalDateTime start, LocalDateTime end, PolicySettings settings) =>
        start.TimeOfDay >= settings.DayStart && end.Date == start.Date && end.TimeOfDay <= settings.DayEnd;

    public IEnumerable<Finding> Evaluate(BookingProposal proposal, PolicySettings settings)
    {
        var (start, end) = LocalTimes(proposal, settings);
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
        if (InHours(start, end, settings))
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
