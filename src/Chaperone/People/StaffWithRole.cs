using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.People;

/// <summary>Who in a school holds a role, for alerts and reminders that go to a role.</summary>
public static class StaffWithRole
{
    /// <summary>
    /// Members of staff of the school with <paramref name="role"/> who still have access, by name:
    /// nothing is sent, nor routed, to someone who has left.
    /// </summary>
    public static async Task<List<(Guid Id, string Name, string? Email)>> ListAsync(ChaperoneDbContext db, Guid schoolId, string role, CancellationToken ct)
    {
        var normalized = role.ToUpperInvariant();
        var rows = await (from u in db.Users
                          join ur in db.UserRoles on u.Id equals ur.UserId
                          join r in db.Roles on ur.RoleId equals r.Id
                          where u.SchoolId == schoolId && r.NormalizedName == normalized && u.AccessEndedAt == null
                          orderby u.Name
                          select new { u.Id, u.Name, u.Email }).AsNoTracking().ToListAsync(ct);
        return rows.Select(x => (x.Id, x.Name, (string?)x.Email)).ToList();
    }
}
