using Chaperone.Policy;
using NodaTime;

namespace Chaperone.Schools;

/// <summary>Days of the week a school teaches on, stored as flags.</summary>
[Flags]
public enum SchoolDays
{
    None = 0,
    Monday = 1,
    Tuesday = 2,
    Wednesday = 4,
    Thursday = 8,
    Friday = 16,
    Saturday = 32,
    Sunday = 64,
    Weekdays = Monday | Tuesday | Wednesday | Thursday | Friday,
}

/// <summary>A school: the tenant that owns every other record. Its policy settings default to the policy's words.</summary>
public sealed class School
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string TimeZoneId { get; set; } = PolicySettings.DefaultTimeZoneId;
    public TimeOnly DayStart { get; set; } = new(9, 0);
    public TimeOnly DayEnd { get; set; } = new(15, 0);
    public SchoolDays SchoolDays { get; set; } = SchoolDays.Weekdays;
    public int MinimumNoticeHours { get; set; } = PolicySettings.DefaultMinimumNoticeHours;
    public int MinimumParticipants { get; set; } = PolicySettings.DefaultMinimumParticipants;
    public List<Closure> Closures { get; set; } = [];

    /// <summary>The school's own wording of the expectations (clause 7), full and brief; null keeps the policy's.</summary>
    public string? ExpectationsFull { get; set; }
    public string? ExpectationsBrief { get; set; }

    /// <summary>What the school asks of families, one expectation per line, as the booking emails list them (clause 7); null keeps the policy's.</summary>
    public string? ExpectationsForFamilies { get; set; }

    /// <summary>The school office's email address and phone number, each optional, given to families wherever they are told to contact the office (<see cref="SchoolContact"/>).</summary>
    public string? OfficeEmail { get; set; }
    public string? OfficePhone { get; set; }

    /// <summary>
    /// Calls in the built-in room send their sound and video only through the installation's TURN
    /// relay, so that neither the family's browser nor the teacher's learns the other's network
    /// address (<see cref="Calls.CallNetwork.RelayOnlyFor"/>); the installation may also require it
    /// of every school (<c>Calls:RelayOnly</c>).
    /// </summary>
    public bool RelayOnly { get; set; }

    /// <summary>
    /// The school's own Microsoft Entra ID directory (tenant id), whose accounts may sign in to this
    /// school's Chaperone accounts when the installation serves schools with directories of their own
    /// (<c>Entra:TenantId=organizations</c>); null there: nobody signs in to this school with Microsoft.
    /// </summary>
    public Guid? MicrosoftTenantId { get; set; }

    /// <summary>
    /// Changes whenever the policy settings or closures change, in the same transaction (the
    /// context stamps it on saving), so a copy of the settings read under a stamp is known to be
    /// current while the stamp is; any number of app instances can keep such copies.
    /// </summary>
    public Guid SettingsStamp { get; set; }

    /// <summary>Turns the stored settings into the typed requirement the rules consume.</summary>
    public PolicySettings ToPolicySettings() => new()
    {
        TimeZone = PolicySettings.ZoneOrDefault(TimeZoneId),
        DayStart = LocalTime.FromTimeOnly(DayStart),
        DayEnd = LocalTime.FromTimeOnly(DayEnd),
        SchoolDays = DaysOf(SchoolDays),
        MinimumNotice = Duration.FromHours(MinimumNoticeHours),
        MinimumParticipants = MinimumParticipants,
        ExpectationsFull = ExpectationsFull ?? PolicySettings.DefaultExpectationsFull,
        ExpectationsBrief = ExpectationsBrief ?? PolicySettings.DefaultExpectationsBrief,
        ExpectationsForFamilies = ExpectationsForFamilies ?? PolicySettings.DefaultExpectationsForFamilies,
        Closures = Closures
            .OrderBy(c => c.FirstDay)
            .Select(c => new ClosurePeriod(LocalDate.FromDateOnly(c.FirstDay), LocalDate.FromDateOnly(c.LastDay), c.Reason))
            .ToList(),
    };

    public static IReadOnlySet<IsoDayOfWeek> DaysOf(SchoolDays days)
    {
        var set = new HashSet<IsoDayOfWeek>();
        foreach (var day in Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None))
        {
            if (days.HasFlag(FlagOf(day)))
            {
                set.Add(day);
            }
        }
        return set;
    }

    public static SchoolDays FlagOf(IsoDayOfWeek day) => (SchoolDays)(1 << ((int)day - 1));
}

/// <summary>A closure (holiday, INSET day, bank holiday): no session may be booked on these days.</summary>
public sealed class Closure
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public DateOnly FirstDay { get; set; }
    public DateOnly LastDay { get; set; }
    public required string Reason { get; set; }
}
