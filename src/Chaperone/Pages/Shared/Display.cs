using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Pages;

/// <summary>How the pages write dates and times: in the school's zone, in UK English.</summary>
public static class Display
{
    public static readonly CultureInfo EnGb = CultureInfo.GetCultureInfo("en-GB");
    private static readonly LocalDatePattern LongDate = LocalDatePattern.Create("dddd d MMMM uuuu", EnGb);
    private static readonly LocalDatePattern ShortDate = LocalDatePattern.Create("ddd d MMM", EnGb);
    private static readonly LocalTimePattern Hm = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
    private static readonly LocalTimePattern Hms = LocalTimePattern.CreateWithInvariantCulture("HH:mm:ss");
    private static readonly LocalDatePattern IsoDate = LocalDatePattern.Iso;

    /// <summary>"Wednesday 2 December 2026, 10:00–10:30" (the end day is named too if it differs).</summary>
    public static string When(DateTimeOffset start, DateTimeOffset end, DateTimeZone zone)
    {
        var s = Instant.FromDateTimeOffset(start).InZone(zone).LocalDateTime;
        var e = Instant.FromDateTimeOffset(end).InZone(zone).LocalDateTime;
        return s.Date == e.Date
            ? $"{LongDate.Format(s.Date)}, {Hm.Format(s.TimeOfDay)}–{Hm.Format(e.TimeOfDay)}"
            : $"{LongDate.Format(s.Date)}, {Hm.Format(s.TimeOfDay)} – {LongDate.Format(e.Date)}, {Hm.Format(e.TimeOfDay)}";
    }

    /// <summary>"Monday 30 November 2026, 08:00".</summary>
    public static string At(DateTimeOffset instant, DateTimeZone zone)
    {
        var t = Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;
        return $"{LongDate.Format(t.Date)}, {Hm.Format(t.TimeOfDay)}";
    }

    /// <summary>"on Monday 30 November 2026 at 08:00", for a sentence saying when something was done.</summary>
    public static string OnDayAt(DateTimeOffset instant, DateTimeZone zone)
    {
        var t = Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;
        return $"on {LongDate.Format(t.Date)} at {Hm.Format(t.TimeOfDay)}";
    }

    /// <summary>"10:38": the time of day of <paramref name="instant"/> in the school's zone, as a session's record gives it.</summary>
    public static string TimeAt(DateTimeOffset instant, DateTimeZone zone) =>
        Hm.Format(Instant.FromDateTimeOffset(instant).InZone(zone).TimeOfDay);

    /// <summary>"10:38:05": <see cref="TimeAt"/> to the second, for the order of leaving.</summary>
    public static string TimeAtToSecond(DateTimeOffset instant, DateTimeZone zone) =>
        Hms.Format(Instant.FromDateTimeOffset(instant).InZone(zone).TimeOfDay);

    /// <summary>What a family's page calls their session: a small group's, a few of their own children's, or one child's.</summary>
    public static string CallLabel(int ownPupils, int otherPupils) =>
        otherPupils > 0 ? "a small-group video call" : ownPupils > 1 ? "a video call" : "a one-to-one video call";

    public static string Day(LocalDate date) => LongDate.Format(date);

    public static string DayShort(LocalDate date) => ShortDate.Format(date);

    public static string Time(LocalTime time) => Hm.Format(time);

    /// <summary>How a family's page and emails count a small group's other children: "in a small group with 1 other pupil".</summary>
    public static string SmallGroupWith(int others) => $"in a small group with {others} other pupil{(others == 1 ? "" : "s")}";

    public static string Iso(LocalDate date) => IsoDate.Format(date);

    public static string Day(DateOnly date) => LongDate.Format(LocalDate.FromDateOnly(date));

    /// <summary>"Monday 21 December 2026 to Friday 1 January 2027" from ISO dates (or one day).</summary>
    public static string Closure(string firstDay, string lastDay)
    {
        var first = IsoDate.Parse(firstDay).Value;
        var last = IsoDate.Parse(lastDay).Value;
        return first == last ? LongDate.Format(first) : $"{LongDate.Format(first)} to {LongDate.Format(last)}";
    }

    public static LocalDate Today(TimeProvider clock, DateTimeZone zone) =>
        Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(zone).Date;

    public static string StatusLabel(string status) => status switch
    {
        "met" => "Met",
        "pending" => "Pending",
        "breached" => "Breached",
        "not-applicable" => "Not applicable",
        "scheduled" => "Scheduled",
        "live" => "Live",
        "ended" => "Ended",
        "cancelled" => "Cancelled",
        _ => status,
    };

    public static string KindLabel(string kind) => kind == "pastoral" ? "Pastoral check-in" : "Support";

    public static string ProviderLabel(string provider) => provider == Scheduling.CallProviders.Teams ? "Microsoft Teams" : "Built-in video room";

    public static string RoleLabel(string role) => role switch
    {
        "Slt" => "senior leader",
        "Dsl" => "safeguarding lead",
        "Admin" => "admin",
        _ => "teacher",
    };
}

