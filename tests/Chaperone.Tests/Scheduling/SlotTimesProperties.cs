using Chaperone.Policy;
using Chaperone.Scheduling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;
using Interval = NodaTime.Interval;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The slot finder's times against the whole policy engine: over random school settings, zones
/// with clock changes (at night, at midnight, by half an hour, backwards in winter), notice and
/// busy times, the times offered are exactly the candidates of each school day (its start and
/// every step after it before midnight) that the engine accepts and that clash with nothing.
/// So every time offered passes every rule, and none that would is left out; the busy intervals
/// reach the finder merged, so this checks the merging too.
/// </summary>
public sealed class SlotTimesProperties
{
    private static readonly string[] Zones =
    [
        "Europe/London", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin", "America/Havana",
        "Asia/Beirut", "Pacific/Chatham", "Asia/Kolkata", "America/St_Johns", "America/Santiago", "Asia/Tehran",
    ];

    // Days near the clock changes of the zones above in 2026 and 2027, and some ordinary ones.
    private static readonly LocalDate[] Around =
    [
        new(2026, 3, 8), new(2026, 3, 27), new(2026, 3, 29), new(2026, 4, 5), new(2026, 9, 6), new(2026, 9, 27),
        new(2026, 10, 4), new(2026, 10, 25), new(2026, 11, 1), new(2027, 3, 14), new(2027, 3, 28), new(2027, 4, 4),
        new(2026, 6, 15), new(2026, 12, 2), new(2027, 1, 20),
    ];

    public sealed record Case(PolicySettings Settings, BookingProposal Proposal, LocalDate From, LocalDate To, int Step, List<Interval> Busy)
    {
        public override string ToString() =>
            $"{Settings.TimeZone.Id} {Settings.DayStart}–{Settings.DayEnd} days [{string.Join(",", Settings.SchoolDays)}] closures [{string.Join(",", Settings.Closures.Select(c => $"{c.FirstDay}..{c.LastDay}"))}] " +
            $"notice {Settings.MinimumNotice} now {Proposal.Now} {From}..{To} {Proposal.DurationMinutes} min every {Step}, busy [{string.Join(",", Busy)}]";
    }

    private static Gen<LocalTime> Times() =>
        Gen.Frequency(
            (3, Gen.Choose(0, 24 * 4 - 1).Select(q => new LocalTime(0, 0).PlusMinutes(q * 15))),
            (1, Gen.Choose(0, 24 * 60 - 1).Select(m => new LocalTime(0, 0).PlusMinutes(m))));

    private static Gen<Case> Cases() =>
        from zone in Gen.Elements(Zones)
        from start in Times()
        from end in Times()
        from days in Gen.SubListOf(new[] { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday })
        from around in Gen.Elements(Around)
        from shift in Gen.Choose(-4, 2)
        from length in Gen.Choose(0, 9)
        from closures in Gen.ListOf(from first in Gen.Choose(-3, 10) from span in Gen.Choose(0, 3) select (first, span)).Select(l => l.Take(2).ToList())
        from noticeHours in Gen.Elements(0, 0, 1, 24, 48, 100)
        from nowHours in Gen.Choose(-24 * 6, 24 * 6)
        from duration in Gen.Elements(10, 15, 30, 45, 60, 90, 120)
        from step in Gen.Frequency((3, Gen.Elements(5, 15, 30, 60)), (1, Gen.Choose(5, 120)))
        from busy in Gen.ListOf(from hours in Gen.Choose(-24, 24 * 11) from minutes in Gen.Choose(0, 59) from span in Gen.Choose(1, 180) select (hours, minutes, span))
            .Select(l => l.Take(8).ToList())
        let firstDay = around.PlusDays(shift)
        let lastDay = firstDay.PlusDays(length)
        let anchor = firstDay.AtMidnight().InUtc().ToInstant()
        select new Case(
            PolicySettings.Default with
            {
                TimeZone = DateTimeZoneProviders.Tzdb[zone],
                DayStart = start,
                DayEnd = end,
                SchoolDays = days.ToHashSet(),
                Closures = closures.Select(c => new ClosurePeriod(firstDay.PlusDays(c.first), firstDay.PlusDays(c.first + c.span), "Closed")).ToList(),
                MinimumNotice = Duration.FromHours(noticeHours),
            },
            Proposal(anchor + Duration.FromHours(nowHours), duration),
            firstDay,
            lastDay,
            step,
            busy.Select(b => new Interval(anchor + Duration.FromHours(b.hours) + Duration.FromMinutes(b.minutes),
                anchor + Duration.FromHours(b.hours) + Duration.FromMinutes(b.minutes + b.span))).ToList());

    /// <summary>People who break no rule, so that only the time decides.</summary>
    private static BookingProposal Proposal(Instant now, int duration)
    {
        var guardian = new GuardianFacts(Guid.NewGuid(), "Parent", "Mother", true, "parent@example.org");
        var pupil = new PupilFacts(Guid.NewGuid(), "Pupil", new HashSet<Guid> { guardian.Id });
        return new BookingProposal(now, now, duration, new HostFacts(Guid.NewGuid(), "Teacher", true, new LocalDate(2020, 1, 1)),
            [pupil], [guardian], [pupil.Id], [guardian.Id]);
    }

    /// <summary>Each school day's candidates, judged one by one by the whole engine and checked against every busy interval.</summary>
    private static List<Instant> Expected(Case c)
    {
        var expected = new List<Instant>();
        var length = Duration.FromMinutes(c.Proposal.DurationMinutes);
        for (var day = c.From; day <= c.To; day = day.PlusDays(1))
        {
            if (!c.Settings.IsSchoolDay(day))
            {
                continue;
            }
            for (var tick = c.Settings.DayStart.TickOfDay; tick < NodaConstants.TicksPerDay; tick += c.Step * NodaConstants.TicksPerMinute)
            {
                var start = c.Settings.TimeZone.AtLeniently(day.At(LocalTime.FromTicksSinceMidnight(tick))).ToInstant();
                if (PolicyEngine.Judge(c.Proposal with { Start = start }, c.Settings).Allowed
                    && !c.Busy.Any(b => b.Start < start + length && b.End > start))
                {
                    expected.Add(start);
                }
            }
        }
        return expected;
    }

    [Property(MaxTest = 3000)]
    public Property TheTimesOfferedAreExactlyTheCandidatesTheEngineAcceptsAndNothingClashesWith() =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            // The finder is given the busy times merged (as SlotFacts loads them); the oracle checks the intervals as they came.
            var offered = SlotTimes.Free(c.Proposal, c.Settings, c.From, c.To, c.Step, SlotFacts.Merge([.. c.Busy]));
            var expected = Expected(c);
            return offered.SequenceEqual(expected)
                .Label($"offered {offered.Count}, expected {expected.Count}; only offered: {string.Join(", ", offered.Except(expected))}; only expected: {string.Join(", ", expected.Except(offered))}");
        });
}
