using Chaperone.Policy;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace Chaperone.Tests.Policy;

/// <summary>
/// Random proposals against an independent statement of the policy: the engine allows a
/// booking exactly when every clause's booking-time condition holds.
/// </summary>
public sealed class PolicyProperties
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    private static readonly PolicySettings Settings = PolicySettings.Default with
    {
        Closures = [new ClosurePeriod(new LocalDate(2026, 12, 21), new LocalDate(2027, 1, 1), "Christmas holidays")],
    };

    private static Gen<BookingProposal> Proposals()
    {
        var guardianIds = Enumerable.Range(1, 4).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();
        var pupilIds = Enumerable.Range(1, 3).Select(i => new Guid(0, (short)i, 0, new byte[8])).ToArray();
        var now = Instant.FromUtc(2026, 11, 30, 8, 0);

        var guardian = from index in Gen.Choose(0, guardianIds.Length - 1)
                       from pr in Gen.Elements(true, true, false)
                       from email in Gen.Elements<string?>("parent@example.org", "parent@example.org", null)
                       select new GuardianFacts(guardianIds[index], $"Guardian {index}", "Parent", pr, email);
        var pupil = from index in Gen.Choose(0, pupilIds.Length - 1)
                    from links in Gen.SubListOf(guardianIds)
                    select new PupilFacts(pupilIds[index], $"Pupil {index}", links.ToHashSet());

        return from minutesAhead in Gen.Choose(-600, 60 * 24 * 200)          // up to ~200 days, across both clock changes
               from roundTo in Gen.Elements(1, 5, 15, 30)
               from duration in Gen.Frequency((1, Gen.Choose(-5, 200)), (4, Gen.Elements(10, 15, 30, 45, 60, 120)))
               from isTeacher in Gen.Elements(true, true, true, false)
               from accessEnded in Gen.Elements(false, false, false, true)
               from familiar in Gen.Elements<LocalDate?>(new LocalDate(2026, 9, 1), new LocalDate(2026, 9, 1), null, new LocalDate(2026, 12, 25))
               from pupils in Gen.ListOf(pupil).Select(l => l.Take(3).ToList())
               from guardians in Gen.ListOf(guardian).Select(l => l.Take(4).ToList())
               select new BookingProposal(
                   now,
                   now + Duration.FromMinutes(minutesAhead / roundTo * roundTo),
                   duration,
                   new HostFacts(Guid.Empty, "Host", isTeacher, familiar, accessEnded),
                   pupils.DistinctBy(p => p.Id).ToList(),
                   guardians.DistinctBy(g => g.Id).ToList(),
                   pupils.Select(p => p.Id).ToList(),
                   guardians.Select(g => g.Id).ToList());
    }

    /// <summary>The policy's booking-time conditions, stated independently of the rule types.</summary>
    private static bool KeepsEveryClause(BookingProposal p)
    {
        var start = p.Start.InZone(London).LocalDateTime;
        var end = p.End.InZone(London).LocalDateTime;
        var schoolDay = start.DayOfWeek is >= IsoDayOfWeek.Monday and <= IsoDayOfWeek.Friday
            && !(start.Date >= new LocalDate(2026, 12, 21) && start.Date <= new LocalDate(2027, 1, 1));
        var inHours = start.TimeOfDay >= new LocalTime(9, 0) && end.Date == start.Date && end.TimeOfDay <= new LocalTime(15, 0);
        var notice = p.Start - p.Now >= Duration.FromHours(48);
        var bounds = p.DurationMinutes is >= 10 and <= 120;
        var distinct = p.RequestedPupilIds.Distinct().Count() == p.RequestedPupilIds.Count
            && p.RequestedGuardianIds.Distinct().Count() == p.RequestedGuardianIds.Count;
        var host = p.Host.IsTeacher && !p.Host.AccessEnded && p.Host.FamiliarisationConfirmedOn is { } d && d <= p.Now.InZone(London).Date;
        var supervised = p.Pupils.Count > 0 && p.Pupils.All(pupil =>
            p.Guardians.Any(g => pupil.LinkedGuardianIds.Contains(g.Id))
            && p.Guardians.Any(g => g.HasParentalResponsibility && pupil.LinkedGuardianIds.Contains(g.Id)));
        var allLinked = p.Guardians.All(g => p.Pupils.Any(pupil => pupil.LinkedGuardianIds.Contains(g.Id)));
        var emails = p.Guardians.All(g => !string.IsNullOrWhiteSpace(g.Email));
        var enough = 1 + p.Pupils.Count + p.Guardians.Count >= 3;
        return schoolDay && inHours && notice && bounds && distinct && host && supervised && allLinked && emails && enough;
    }

    [Property(MaxTest = 3000)]
    public Property EveryAcceptedBookingSatisfiesEveryRuleAndNoCompliantOneIsRefused() =>
        Prop.ForAll(Proposals().ToArbitrary(), proposal =>
        {
            var verdict = PolicyEngine.Judge(proposal, Settings);
            return (verdict.Allowed == KeepsEveryClause(proposal))
                .Label($"allowed={verdict.Allowed}; violations: {string.Join(" | ", verdict.Violations.Select(v => v.Rule))}");
        });

    [Property(MaxTest = 1000)]
    public Property ARefusalAlwaysNamesAClauseAndAReason() =>
        Prop.ForAll(Proposals().ToArbitrary(), proposal =>
            PolicyEngine.Judge(proposal, Settings).Violations.All(v => v.Clause is >= 1 and <= 12 && v.Message.Length > 0 && v.Rule.Length > 0));

    [Property(MaxTest = 1000)]
    public Property TheTimeRulesAloneAgreeWithTheWholeEngineOnTime() =>
        Prop.ForAll(Proposals().ToArbitrary(), proposal =>
        {
            var timeViolations = PolicyEngine.Judge(proposal, Settings).Violations.Where(v => v.Rule is "school-day" or "school-closed" or "school-hours" or "minimum-notice" or "start-in-past" or "duration");
            return PolicyEngine.TimeIsAllowed(proposal, Settings) == !timeViolations.Any();
        });
}
