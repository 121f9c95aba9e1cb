using Microsoft.AspNetCore.Identity;

namespace Chaperone.People;

/// <summary>Staff roles, as the API names them.</summary>
public static class Roles
{
    public const string Teacher = "Teacher";
    public const string Slt = "Slt";
    public const string Dsl = "Dsl";
    public const string Admin = "Admin";

    public static IReadOnlyList<string> All { get; } = [Teacher, Slt, Dsl, Admin];

    /// <summary>The roles as staff call them, for what a person reads.</summary>
    public const string InWords = "teacher, senior leader, DSL or admin";

    /// <summary>
    /// The role a person (a staff import's file, an API client) names, in the API's spelling: the
    /// name in any case, or as staff say it ("senior leader", "SLT", "safeguarding lead"); an
    /// unknown name is left as it is, to be refused.
    /// </summary>
    public static string? Named(string? words) =>
        All.FirstOrDefault(r => string.Equals(r, words?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? (words?.Trim().ToLowerInvariant() switch
        {
            "senior leader" or "senior leadership" or "senior leadership team" => Slt,
            "designated safeguarding lead" or "safeguarding lead" => Dsl,
            _ => words,
        });

    public static string[]? Named(string[]? roles) => roles?.Select(r => Named(r)!).ToArray();
}

/// <summary>
/// A member of staff, who signs in. <see cref="FamiliarisationConfirmedOn"/> is the dated mark
/// that they know the platform's privacy and mute settings (clause 2).
/// </summary>
public sealed class StaffMember : IdentityUser<Guid>
{
    public StaffMember() => Id = Guid.CreateVersion7();

    public Guid SchoolId { get; set; }
    public required string Name { get; set; }
    public DateOnly? FamiliarisationConfirmedOn { get; set; }

    /// <summary>
    /// The 30-second step of the last authenticator code accepted for this account (RFC 6238), so
    /// that a code, once used, is not accepted again, nor one from an earlier step.
    /// </summary>
    public long? LastAuthenticatorStep { get; set; }

    /// <summary>
    /// When an admin ended this member of staff's access (they left the school): the account stays,
    /// with everything it did in the records, but cannot sign in, and its sign-ins end
    /// (<see cref="Identity.StaffAccess"/>). Null while they have access.
    /// </summary>
    public DateTimeOffset? AccessEndedAt { get; set; }

    /// <summary>
    /// Their password was set by an admin (a new account's, or a reset's one-time password): they
    /// are asked to choose their own when they next sign in on a page.
    /// </summary>
    public bool MustChangePassword { get; set; }
}

/// <summary>A pupil. Pupils have no account; they join on the family's device.</summary>
public sealed class Pupil
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public required string Name { get; set; }
    public DateOnly? DateOfBirth { get; set; }
    public List<PupilGuardian> Guardians { get; set; } = [];
}

/// <summary>A parent or carer. Whether they hold parental responsibility decides whether they can consent (clause 1).</summary>
public sealed class Guardian
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public required string Name { get; set; }
    public required string Relationship { get; set; }
    public bool HasParentalResponsibility { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public List<PupilGuardian> Pupils { get; set; } = [];
}

/// <summary>Links a guardian to a pupil they may supervise.</summary>
public sealed class PupilGuardian
{
    public Guid SchoolId { get; set; }
    public Guid PupilId { get; set; }
    public Guid GuardianId { get; set; }
    public Pupil? Pupil { get; set; }
    public Guardian? Guardian { get; set; }
}
