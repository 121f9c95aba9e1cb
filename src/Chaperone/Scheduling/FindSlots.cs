using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Scheduling;

public sealed record SlotDto(DateTimeOffset Start, DateTimeOffset End, string StartLocal);

/// <summary>
/// The compliant start times. <c>violations</c> lists what would still refuse a booking at any
/// time (for example a pupil with no invited parent), so an empty slot list is explained.
/// </summary>
public sealed record SlotsDto(string TimeZone, int DurationMinutes, IReadOnlyList<SlotDto> Slots, IReadOnlyList<ViolationDto> Violations);

/// <summary>Query string of <c>GET /api/v1/slots</c>: dates are local to the school (yyyy-MM-dd), both included.</summary>
public sealed record FindSlotsQuery(string? TeacherId, string[]? PupilIds, string[]? GuardianIds, string? From, string? To, int? DurationMinutes, int? StepMinutes);

/// <summary>
/// Finds every start time over a range of school days at which a session with these people
/// would be accepted: inside school hours, with enough notice from now, and clear of every
/// participant's other sessions. Uses the same time rules as booking, so a slot it offers books.
/// </summary>
public sealed class FindSlots(ChaperoneDbContext db, TimeProvider clock)
{
    public const int MaxRangeDays = 62;

    public async Task<(SlotsDto? Slots, SessionOutcome? Problem)> HandleAsync(ClaimsPrincipal user, FindSlotsQuery query, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(query.TeacherId))
        {
            errors["teacherId"] = ["The hosting teacher is required."];
        }
        var from = ParseDate(query.From, "from", errors);
        var to = ParseDate(query.To, "to", errors);
        if (errors.Count == 0 && (to < from || Period.Between(from, to, PeriodUnits.Days).Days >= MaxRangeDays))
        {
            errors["to"] = [$"'to' must be on or after 'from', and the range at most {MaxRangeDays} days."];
        }
        var duration = query.DurationMinutes ?? 30;
        if (duration is < PolicySettings.MinimumDurationMinutes or > PolicySettings.MaximumDurationMinutes)
        {
            errors["durationMinutes"] = [$"A session lasts between {PolicySettings.MinimumDurationMinutes} and {PolicySettings.MaximumDurationMinutes} minutes."];
        }
        var step = query.StepMinutes ?? 15;
        if (step is < 5 or > 120)
        {
            errors["stepMinutes"] = ["The step between start times is between 5 and 120 minutes."];
        }
        if ((query.PupilIds?.Length ?? 0) > RequestValidation.MaxListLength || (query.GuardianIds?.Length ?? 0) > RequestValidation.MaxListLength)
        {
            errors["pupilIds"] = [$"At most {RequestValidation.MaxListLength} ids can be given."];
        }
        if (errors.Count > 0)
        {
            return (null, new SessionOutcome.Invalid(errors));
        }

        var schoolId = user.SchoolId();
        var (settings, people, missing) = await BookingFacts.LoadAsync(db, schoolId, query.TeacherId!, query.PupilIds ?? [], query.GuardianIds ?? [], ct);
        if (people is null)
        {
            return (null, missing);
        }
        var now = Instant.FromDateTimeOffset(clock.GetUtcNow());
        var zone = settings.TimeZone;
        var peopleVerdict = PolicyEngine.JudgePeople(people.At(now, now, duration), settings);
        if (!peopleVerdict.Allowed)
        {
            // No time would book with these people: offer none, and say why.
            return (new SlotsDto(zone.Id, duration, [], peopleVerdict.Violations.Select(ViolationDto.From).ToList()), null);
        }

        // Instants go to the database in UTC: PostgreSQL refuses other offsets, and SQLite compares them as stored.
        var rangeStart = from.AtStartOfDayInZone(zone).ToInstant().ToDateTimeOffset();
        var rangeEnd = to.PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToDateTimeOffset();
        var busy = await Conflicts.BusyAsync(db, schoolId, people.Host.Id, people.PupilIds.ToList(), people.GuardianIds.ToList(), rangeStart, rangeEnd, ct);
        var busyIntervals = busy.ConvertAll(b => new Interval(Instant.FromDateTimeOffset(b.Start), Instant.FromDateTimeOffset(b.End)));

        var slots = new List<SlotDto>();
        var length = Duration.FromMinutes(duration);
        for (var day = from; day <= to; day = day.PlusDays(1))
        {
            if (!settings.IsSchoolDay(day))
            {
                continue;
            }
            for (var time = settings.DayStart; ; time = time.PlusMinutes(step))
            {
                var start = zone.AtLeniently(day.At(time)).ToInstant();
                var end = start + length;
                if (end.InZone(zone).LocalDateTime > day.At(settings.DayEnd) || time.PlusMinutes(step) <= time)
                {
                    break;
                }
                if (!PolicyEngine.TimeIsAllowed(people.At(now, start, duration), settings) || Overlaps(busyIntervals, start, end))
                {
                    continue;
                }
                slots.Add(new SlotDto(start.ToDateTimeOffset(), end.ToDateTimeOffset(), SessionView.Local(start.ToDateTimeOffset(), zone)));
            }
        }
        return (new SlotsDto(zone.Id, duration, slots, peopleVerdict.Violations.Select(ViolationDto.From).ToList()), null);
    }

    private static bool Overlaps(List<Interval> busy, Instant start, Instant end)
    {
        foreach (var interval in busy)
        {
            if (interval.Start >= end)
            {
                return false;
            }
            if (interval.End > start)
            {
                return true;
            }
        }
        return false;
    }

    private static LocalDate ParseDate(string? value, string field, Dictionary<string, string[]> errors)
    {
        var result = LocalDatePattern.Iso.Parse(value?.Trim() ?? "");
        if (result.Success && RequestValidation.IsPlausible(result.Value))
        {
            return result.Value;
        }
        errors[field] = [$"'{field}' must be a date such as 2026-12-07, between the years {RequestValidation.FirstYear} and {RequestValidation.LastYear}."];
        return default;
    }
}
