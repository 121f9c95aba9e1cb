using NodaTime;

namespace Chaperone.Policy;

/// <summary>A span of days on which the school is closed (holiday, INSET day, bank holiday).</summary>
public sealed record ClosurePeriod(LocalDate FirstDay, LocalDate LastDay, string Reason)
{
    public bool Contains(LocalDate day) => day >= FirstDay && day <= LastDay;
}

/// <summary>
/// One school's policy settings, as the rules consume them. The defaults are the policy's own
/// words: Europe/London, 09:00–15:00, Monday to Friday, 48 hours' notice, three participants.
/// </summary>
/// <remarks>
/// Local dates and times are always interpreted in <see cref="TimeZone"/>; instants are never
/// compared with local times directly, so clock changes (last Sundays of March and October in
/// Europe/London) are handled by the zone rules and not by arithmetic.
/// </remarks>
public sealed record PolicySettings
{
    public const string DefaultTimeZoneId = "Europe/London";
    public static readonly LocalTime DefaultDayStart = new(9, 0);
    public static readonly LocalTime DefaultDayEnd = new(15, 0);
    public const int DefaultMinimumNoticeHours = 48;
    public const int DefaultMinimumParticipants = 3;
    public const int MinimumDurationMinutes = 10;
    public const int MaximumDurationMinutes = 120;

    /// <summary>The expectations a teacher outlines at a pupil's first session with them (clause 7), unless the school words its own.</summary>
    public const string DefaultExpectationsFull = "Welcome. In our video calls: your parent or carer stays with you all the time; we talk only about your learning and how you are; "
        + "we stay in a shared room with the TV and other devices off; nobody records or photographs the call except the school; "
        + "if anything online ever worries you, tell your parent or carer or a teacher; and when we finish, you leave the call first and I close it.";

    /// <summary>The brief reminder of the expectations at each later session (clause 7), unless the school words its own.</summary>
    public const string DefaultExpectationsBrief = "A quick reminder of our rules: your grown-up stays with you, we keep to learning, devices off, you leave first and I close the call.";

    /// <summary>What the booking emails ask of families (clause 7), one expectation per line, unless the school words its own.</summary>
    public const string DefaultExpectationsForFamilies = "Be ready in the agreed room a few minutes before the start.\n"
        + "Only the teacher, your child and you take part; nobody else joins or watches.\n"
        + "The conversation is between the teacher and your child, as it would be in school (clause 5).\n"
        + "Please do not record, photograph or share the call yourself.\n"
        + "At the end your child leaves first, then the teacher closes the call (clause 6).";

    /// <summary>The expectations of a text of them, one per line (blank lines left out).</summary>
    public static IReadOnlyList<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The longest expectations text a school may set.</summary>
    public const int MaxExpectationsLength = 2000;

    public static IReadOnlySet<IsoDayOfWeek> Weekdays { get; } = new HashSet<IsoDayOfWeek>
    {
        IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday,
    };

    public DateTimeZone TimeZone { get; init; } = DateTimeZoneProviders.Tzdb[DefaultTimeZoneId];
    public LocalTime DayStart { get; init; } = DefaultDayStart;
    public LocalTime DayEnd { get; init; } = DefaultDayEnd;
    public IReadOnlySet<IsoDayOfWeek> SchoolDays { get; init; } = Weekdays;
    public IReadOnlyList<ClosurePeriod> Closures { get; init; } = [];
    public Duration MinimumNotice { get; init; } = Duration.FromHours(DefaultMinimumNoticeHours);
    public int MinimumParticipants { get; init; } = DefaultMinimumParticipants;
    public string ExpectationsFull { get; init; } = DefaultExpectationsFull;
    public string ExpectationsBrief { get; init; } = DefaultExpectationsBrief;
    public string ExpectationsForFamilies { get; init; } = DefaultExpectationsForFamilies;

    public static PolicySettings Default { get; } = new();

    /// <summary>The IANA zone with this id, or the policy's own zone when the id names none.</summary>
    public static DateTimeZone ZoneOrDefault(string? zoneId) =>
        DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId ?? "") ?? DateTimeZoneProviders.Tzdb[DefaultTimeZoneId];

    public ClosurePeriod? ClosureOn(LocalDate day)
    {
        foreach (var closure in Closures)
        {
            if (closure.Contains(day))
            {
                return closure;
            }
        }
        return null;
    }

    public bool IsSchoolDay(LocalDate day) => SchoolDays.Contains(day.DayOfWeek) && ClosureOn(day) is null;
}
