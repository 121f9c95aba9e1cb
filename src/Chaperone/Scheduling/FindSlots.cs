using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Storage;
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
            errors["to"] = [$"The ‘to’ date must be on or after the ‘from’ date, and at most {MaxRangeDays - 1} days after it."];
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
            errors["pupilIds"] = [$"Give at most {RequestValidation.MaxListLength} pupils, and at most {RequestValidation.MaxListLength} parents and carers."];
        }
        if (errors.Count > 0)
        {
            return (null, new SessionOutcome.Invalid(errors));
        }

        var (facts, missing) = await SlotFacts.LoadAsync(db, user.SchoolId(), query.TeacherId!, query.PupilIds ?? [], query.GuardianIds ?? [], from, to, ct);
        if (facts is null)
        {
            return (null, missing);
        }
        var (settings, people, busy) = facts;
        var now = Instant.FromDateTimeOffset(clock.GetUtcNow());
        var zone = settings.TimeZone;
        var proposal = people.At(now, now, duration);
        var peopleVerdict = PolicyEngine.JudgePeople(proposal, settings);
        var violations = peopleVerdict.Violations.Select(ViolationDto.From).ToList();
        if (!peopleVerdict.Allowed)
        {
            // No time would book with these people: offer none, and say why.
            return (new SlotsDto(zone.Id, duration, [], violations), null);
        }

        var length = Duration.FromMinutes(duration);
        var slots = SlotTimes.Free(proposal, settings, from, to, step, busy).ConvertAll(start =>
            new SlotDto(start.ToDateTimeOffset(), (start + length).ToDateTimeOffset(), SessionView.Local(start.ToDateTimeOffset(), zone)));
        return (new SlotsDto(zone.Id, duration, slots, violations), null);
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

/// <summary>
/// The start times the time rules allow a session (clause 3: a school day, inside school hours;
/// clause 8: the minimum notice; the bounds on length) over a range of school days, clear of
/// times when someone is busy. The candidates are each day's start and every step after it
/// before midnight, as the school's clock reads them (a time that a clock change skips moves on
/// by the gap). On a day whose zone offset stays the same from the day's start to the end of
/// the last session that could start that day (every day but those of a clock change in or
/// after school hours), the day's window is worked out once and each candidate is a sum of
/// instants; other days judge each candidate through <see cref="PolicyEngine.TimeIsAllowed"/>.
/// Either way a time is offered exactly when the engine would accept it.
/// </summary>
public static class SlotTimes
{
    /// <param name="proposal">The session proposed (its people, <c>Now</c> and length); its start is ignored.</param>
    /// <param name="busy">Disjoint intervals ordered by start (<see cref="SlotFacts.Merge"/>).</param>
    public static List<Instant> Free(BookingProposal proposal, PolicySettings settings, LocalDate from, LocalDate to, int stepMinutes, IReadOnlyList<Interval> busy)
    {
        var starts = new List<Instant>();
        if (stepMinutes <= 0 || proposal.DurationMinutes is < PolicySettings.MinimumDurationMinutes or > PolicySettings.MaximumDurationMinutes)
        {
            return starts;
        }
        var zone = settings.TimeZone;
        var length = Duration.FromMinutes(proposal.DurationMinutes);
        var step = Duration.FromMinutes(stepMinutes);
        var dayStart = settings.DayStart.TickOfDay;
        // Clause 8: the start is not in the past and at least the notice ahead.
        var earliest = proposal.Now + Duration.Max(settings.MinimumNotice, Duration.Zero);
        // Grid times before midnight: dayStart + k × step for k below this.
        var perDay = (NodaConstants.TicksPerDay - dayStart - 1) / step.BclCompatibleTicks + 1;
        // Clause 3 on a day of one offset: starts no earlier than the day's start, and ends on the same day no later than its end.
        var fitting = settings.DayEnd.TickOfDay - dayStart - length.BclCompatibleTicks;
        for (var day = from; day <= to; day = day.PlusDays(1))
        {
            if (!settings.IsSchoolDay(day))
            {
                continue;
            }
            if (StartOfUniformDay(zone, day, settings.DayStart, length) is { } first)
            {
                for (long k = 0; k < perDay && k * step.BclCompatibleTicks <= fitting; k++)
                {
                    var start = first + step * k;
                    if (start >= earliest && !Overlaps(busy, start, start + length))
                    {
                        starts.Add(start);
                    }
                }
                continue;
            }
            for (long k = 0; k < perDay; k++)
            {
                var start = zone.AtLeniently(day.At(LocalTime.FromTicksSinceMidnight(dayStart + k * step.BclCompatibleTicks))).ToInstant();
                if (PolicyEngine.TimeIsAllowed(proposal with { Start = start }, settings) && !Overlaps(busy, start, start + length))
                {
                    starts.Add(start);
                }
            }
        }
        return starts;
    }

    /// <summary>
    /// The instant the school day starts, when that local time exists once and the zone's offset
    /// holds from then until a session starting before midnight has ended; otherwise null.
    /// </summary>
    private static Instant? StartOfUniformDay(DateTimeZone zone, LocalDate day, LocalTime dayStart, Duration length)
    {
        var mapping = zone.MapLocal(day.At(dayStart));
        if (mapping.Count != 1)
        {
            return null;
        }
        var first = mapping.Single().ToInstant();
        var lastEnd = first + Duration.FromTicks(NodaConstants.TicksPerDay - dayStart.TickOfDay) + length;
        return !mapping.EarlyInterval.HasEnd || mapping.EarlyInterval.End > lastEnd ? first : null;
    }

    /// <summary>Whether [start, end) overlaps one of the disjoint, ordered intervals (a binary search).</summary>
    private static bool Overlaps(IReadOnlyList<Interval> busy, Instant start, Instant end)
    {
        int low = 0, high = busy.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (busy[middle].End <= start)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low < busy.Count && busy[low].Start < end;
    }
}
