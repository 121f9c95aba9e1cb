using Chaperone.Policy;
using NodaTime;

namespace Chaperone.Notifications;

/// <summary>
/// Clause 8: when a session's reminders are due. The day-before reminder goes at the end of the
/// school day before the session (weekends and closures skipped); the morning reminder at 07:30
/// on the day, if that is before the session starts. A reminder belongs to one version of the
/// session (its time, its <c>Sequence</c>): one whose time had passed when that version was
/// booked or moved is never sent for it. The day-before reminder tells of "the next school day":
/// once the session's own day has begun in the school's zone it is no longer true, so one not
/// yet written or sent by then (no instance running overnight, the mail server down) never is;
/// the morning reminder tells of the call instead.
/// </summary>
public static class ReminderTimes
{
    /// <summary>Local time of the morning reminder.</summary>
    public static readonly LocalTime MorningAt = new(7, 30);

    /// <summary>How far back a day-before reminder may reach over weekends and closures.</summary>
    private const int MostDaysBack = 14;

    /// <summary>The end of the school day before <paramref name="start"/>'s date.</summary>
    public static DateTimeOffset DayBefore(DateTimeOffset start, PolicySettings settings) =>
        DayBefore(Instant.FromDateTimeOffset(start).InZone(settings.TimeZone).Date, settings);

    private static DateTimeOffset DayBefore(LocalDate date, PolicySettings settings)
    {
        var day = date.PlusDays(-1);
        for (var i = 0; i < MostDaysBack && !settings.IsSchoolDay(day); i++)
        {
            day = day.PlusDays(-1);
        }
        return day.At(settings.DayEnd).InZoneLeniently(settings.TimeZone).ToInstant().ToDateTimeOffset();
    }

    /// <summary>
    /// Whether a day-before reminder of a session starting at <paramref name="start"/> may still go
    /// at <paramref name="now"/>: only before the session's own day begins in <paramref name="zone"/>.
    /// </summary>
    public static bool DayBeforeStillTrue(DateTimeOffset start, DateTimeOffset now, DateTimeZone zone) =>
        now < Instant.FromDateTimeOffset(start).InZone(zone).Date.AtStartOfDayInZone(zone).ToInstant().ToDateTimeOffset();

    /// <summary>07:30 on the day of <paramref name="start"/>, in the school's zone.</summary>
    public static DateTimeOffset Morning(DateTimeOffset start, DateTimeZone zone) =>
        Instant.FromDateTimeOffset(start).InZone(zone).Date.At(MorningAt).InZoneLeniently(zone).ToInstant().ToDateTimeOffset();

    /// <summary>
    /// The reminders of a session version (starting at <paramref name="start"/>, booked or last
    /// moved at <paramref name="changedAt"/>) that are due at <paramref name="now"/>: their time
    /// has come, it came after the version was set, and the session has not started (nor, for the
    /// day-before reminder, has the session's day).
    /// </summary>
    public static List<(MessageKind Kind, DateTimeOffset At)> Due(DateTimeOffset start, DateTimeOffset changedAt, DateTimeOffset now, PolicySettings settings)
    {
        var due = new List<(MessageKind, DateTimeOffset)>(2);
        if (now >= start)
        {
            return due;
        }
        var dayBefore = DayBefore(start, settings);
        if (dayBefore > changedAt && dayBefore <= now && DayBeforeStillTrue(start, now, settings.TimeZone))
        {
            due.Add((MessageKind.ReminderDayBefore, dayBefore));
        }
        var morning = Morning(start, settings.TimeZone);
        if (morning > changedAt && morning <= now && morning < start)
        {
            due.Add((MessageKind.ReminderMorning, morning));
        }
        return due;
    }

    /// <summary>
    /// An instant no session with a reminder due at <paramref name="now"/> starts after: the end
    /// of the last date whose day-before reminder time has passed (the morning reminder of a date
    /// is never due before its day-before one). Lets the reminder job read only the next day or
    /// few of sessions.
    /// </summary>
    public static DateTimeOffset LatestStartDue(DateTimeOffset now, PolicySettings settings)
    {
        var date = Instant.FromDateTimeOffset(now).InZone(settings.TimeZone).Date;
        for (var i = 0; i <= MostDaysBack + 2 && DayBefore(date.PlusDays(1), settings) <= now; i++)
        {
            date = date.PlusDays(1);
        }
        return date.PlusDays(1).AtStartOfDayInZone(settings.TimeZone).ToInstant().ToDateTimeOffset();
    }
}
