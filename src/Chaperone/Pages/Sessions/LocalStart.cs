using NodaTime;
using NodaTime.Text;

namespace Chaperone.Pages.Sessions;

/// <summary>
/// Turns the date and time typed on a form, in the school's zone, into the RFC 3339 start the
/// scheduling handlers take. A time the clocks skip (spring forward) or pass twice (autumn) is
/// a field error, not a guess.
/// </summary>
public static class LocalStart
{
    private static readonly LocalTimePattern Hm = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
    private static readonly LocalTimePattern Hms = LocalTimePattern.CreateWithInvariantCulture("HH:mm:ss");
    private static readonly OffsetDateTimePattern Rfc3339 = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");

    /// <summary>The start with its offset, or null with errors added against <paramref name="dateField"/> and <paramref name="timeField"/>.</summary>
    public static string? Parse(string? date, string? time, DateTimeZone zone, FormErrors errors, string dateField, string timeField)
    {
        LocalDate? day = null;
        LocalTime? at = null;
        if (string.IsNullOrWhiteSpace(date))
        {
            errors.Add(dateField, "Enter the date of the session.");
        }
        else if (LocalDatePattern.Iso.Parse(date.Trim()) is { Success: true } d)
        {
            day = d.Value;
        }
        else
        {
            errors.Add(dateField, "Enter a real date, for example 2 December 2026.");
        }
        if (string.IsNullOrWhiteSpace(time))
        {
            errors.Add(timeField, "Enter the start time, for example 10:00.");
        }
        else if (ParseTime(time.Trim()) is { } t)
        {
            at = t;
        }
        else
        {
            errors.Add(timeField, "Enter the start time as hours and minutes, for example 10:00.");
        }
        if (day is not { } dd || at is not { } tt)
        {
            return null;
        }
        var mapping = zone.MapLocal(dd.At(tt));
        switch (mapping.Count)
        {
            case 0:
                errors.Add(timeField, $"{Hm.Format(tt)} does not happen on that day in {zone.Id}: the clocks go forward. Choose another time.");
                return null;
            case 2:
                errors.Add(timeField, $"{Hm.Format(tt)} happens twice on that day in {zone.Id}: the clocks go back. Choose another time.");
                return null;
            default:
                return Rfc3339.Format(mapping.Single().ToOffsetDateTime());
        }
    }

    // Browsers send HH:mm, or HH:mm:ss when a step of seconds is set.
    private static LocalTime? ParseTime(string text)
    {
        var result = Hm.Parse(text);
        if (!result.Success)
        {
            result = Hms.Parse(text);
        }
        return result.Success ? result.Value : null;
    }

    /// <summary>The local date and time of an instant, for filling in a form.</summary>
    public static (string Date, string Time) ToForm(DateTimeOffset instant, DateTimeZone zone)
    {
        var local = Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;
        return (LocalDatePattern.Iso.Format(local.Date), Hm.Format(local.TimeOfDay));
    }

    /// <summary>Parses minutes typed in a form; adds an error and returns null if it is not a whole number.</summary>
    public static int? Minutes(string? text, FormErrors errors, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "Enter how long the session lasts, in minutes.");
            return null;
        }
        if (int.TryParse(text.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var minutes))
        {
            return minutes;
        }
        errors.Add(field, "Enter the length as a whole number of minutes, for example 30.");
        return null;
    }
}
