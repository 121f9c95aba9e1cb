using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.People;

/// <param name="AccessEndedAt">When an admin ended their access (they left); null while they have it.</param>
/// <param name="MicrosoftLinked">Whether a Microsoft account is linked to theirs, for signing in with Microsoft.</param>
/// <param name="PendingRoles">The DSL or senior leader role offered to them and not yet accepted through the emailed link (<see cref="SafeguardingRolesByEmail"/>); null when none.</param>
public sealed record StaffDto(string Id, string Name, string Email, IReadOnlyList<string> Roles, string? FamiliarisationConfirmedOn, DateTimeOffset? AccessEndedAt,
    bool MicrosoftLinked = false, PendingRolesDto? PendingRoles = null);

public sealed record GuardianDto(string Id, string Name, string Relationship, bool HasParentalResponsibility, string? Email, string? Phone);

public sealed record PupilDto(string Id, string Name, IReadOnlyList<GuardianDto> Guardians);

public static class PeopleEndpoints
{
    public static void MapPeople(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("People").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/staff", ListStaff).WithName("ListStaff").WithSummary("The school's staff and their roles.");
        group.MapGet("/pupils", ListPupils).WithName("ListPupils").WithSummary("The school's pupils with their linked parents and carers.");
        group.MapPost("/staff/me/familiarisation", ConfirmFamiliarisation).WithName("ConfirmFamiliarisation")
            .WithSummary("The signed-in teacher confirms they know the platform's privacy and mute settings (clause 2).");
    }

    public static async Task<List<StaffDto>> LoadStaffAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var staff = await db.Users.AsNoTracking().Where(u => u.SchoolId == schoolId).OrderBy(u => u.Name).ToListAsync(ct);
        var ids = staff.Select(s => s.Id).ToList();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ids.Contains(ur.UserId)
                           select new { ur.UserId, r.Name }).ToListAsync(ct);
        var linked = (await db.UserLogins.Where(l => ids.Contains(l.UserId) && l.LoginProvider == Identity.MicrosoftSignIn.Scheme).Select(l => l.UserId).ToListAsync(ct)).ToHashSet();
        var offered = (await db.Set<PendingRoleGrant>().AsNoTracking().Where(g => g.SchoolId == schoolId).ToListAsync(ct)).ToDictionary(g => g.StaffId);
        return staff.Select(s => new StaffDto(
            Ids.Format(s.Id), s.Name, s.Email ?? "",
            roles.Where(r => r.UserId == s.Id).Select(r => r.Name!).OrderBy(r => Roles.All.ToList().IndexOf(r)).ToList(),
            s.FamiliarisationConfirmedOn?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), s.AccessEndedAt,
            linked.Contains(s.Id),
            offered.GetValueOrDefault(s.Id) is { } g ? new PendingRolesDto(g.RoleList, g.OfferedAt, g.ExpiresAt, g.OfferedByName) : null)).ToList();
    }

    public static async Task<List<PupilDto>> LoadPupilsAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var pupils = await db.Pupils.AsNoTracking().Where(p => p.SchoolId == schoolId)
            .Include(p => p.Guardians).ThenInclude(pg => pg.Guardian)
            .OrderBy(p => p.Name).ToListAsync(ct);
        return pupils.Select(p => new PupilDto(Ids.Format(p.Id), p.Name,
            p.Guardians.Select(pg => pg.Guardian!).OrderByDescending(g => g.HasParentalResponsibility).ThenBy(g => g.Name)
                .Select(g => new GuardianDto(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email, g.Phone)).ToList())).ToList();
    }

    public static async Task<List<GuardianDto>> LoadGuardiansAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var guardians = await db.Guardians.AsNoTracking().Where(g => g.SchoolId == schoolId).OrderBy(g => g.Name).ToListAsync(ct);
        return guardians.Select(ManagePeople.ToDto).ToList();
    }

    private static async Task<Ok<List<StaffDto>>> ListStaff(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadStaffAsync(db, user.SchoolId(), ct));

    private static async Task<Ok<List<PupilDto>>> ListPupils(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await LoadPupilsAsync(db, user.SchoolId(), ct));

    private static async Task<Results<Ok<StaffDto>, ProblemHttpResult>> ConfirmFamiliarisation(ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var me = await db.Users.FirstAsync(u => u.Id == user.UserId() && u.SchoolId == schoolId, ct);
        await ConfirmAsync(db, user, me, clock, ct);
        return TypedResults.Ok((await LoadStaffAsync(db, schoolId, ct)).First(s => s.Id == Ids.Format(me.Id)));
    }

    /// <summary>Marks today (in the school's zone) as the day the member of staff confirmed familiarisation.</summary>
    public static async Task ConfirmAsync(ChaperoneDbContext db, ClaimsPrincipal user, StaffMember me, TimeProvider clock, CancellationToken ct)
    {
        var zoneId = await db.Schools.Where(s => s.Id == me.SchoolId).Select(s => s.TimeZoneId).FirstAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(zoneId);
        me.FamiliarisationConfirmedOn = Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(zone).Date.ToDateOnly();
        // Clause 2's readiness record: who confirmed, and when, in the audit trail.
        Audit.AuditLog.Record(db, user, Audit.AuditActions.FamiliarisationConfirmed, Audit.AuditSubjects.Staff, me.Id, new { on = me.FamiliarisationConfirmedOn });
        await db.SaveChangesAsync(ct);
    }
}
