using Chaperone.Policy;
using NodaTime;

namespace Chaperone.Tests.Policy;

/// <summary>Builds proposals for the pure rule tests: by default one that every rule accepts.</summary>
internal static class Proposals
{
    public static readonly Guid Host = Guid.Parse("00000000-0000-0000-0000-000000000001");
    public static readonly Guid Pupil = Guid.Parse("00000000-0000-0000-0000-000000000010");
    public static readonly Guid Parent = Guid.Parse("00000000-0000-0000-0000-000000000100");

    public static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    /// <summary>Monday 30 November 2026, 08:00 UTC.</summary>
    public static readonly Instant Now = Instant.FromUtc(2026, 11, 30, 8, 0);

    public static Instant London_(int year, int month, int day, int hour, int minute) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(London).ToInstant();

    public static BookingProposal Valid(Instant? start = null, int duration = 30, Instant? now = null) => new(
        now ?? Now,
        start ?? London_(2026, 12, 2, 10, 0),
        duration,
        new HostFacts(Host, "Emma Hughes", true, new LocalDate(2026, 9, 1)),
        [new PupilFacts(Pupil, "Amelia Brown", new HashSet<Guid> { Parent })],
        [new GuardianFacts(Parent, "Sarah Brown", "Mother", true, "sarah@example.org")],
        [Pupil],
        [Parent]);

    public static IReadOnlyList<Finding> Violations(BookingProposal proposal, PolicySettings? settings = null) =>
        PolicyEngine.Judge(proposal, settings ?? PolicySettings.Default).Violations.ToList();

    public static IEnumerable<string> Rules(BookingProposal proposal, PolicySettings? settings = null) =>
        Violations(proposal, settings).Select(v => v.Rule);
}
