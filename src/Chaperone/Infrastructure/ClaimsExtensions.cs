using System.Security.Claims;

namespace Chaperone.Infrastructure;

public static class ChaperoneClaims
{
    public const string School = "chaperone:school";
    public const string Name = "chaperone:name";

    /// <summary>The signed-in staff member's school. Every query for school-owned rows filters on it.</summary>
    public static Guid SchoolId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(School), out var id) ? id : throw new InvalidOperationException("The signed-in user has no school claim.");

    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : throw new InvalidOperationException("The signed-in user has no id claim.");

    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirstValue(Name) ?? user.Identity?.Name ?? "";
}
