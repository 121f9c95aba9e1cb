using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Concerns;

/// <summary>The concern settings as the API and the settings page show them.</summary>
public sealed record ConcernSettingsDto(int AcknowledgeWithinMinutes, string? HeadteacherId, string? BehaviourLeadId);

/// <summary>Reads and changes a school's <see cref="ConcernSettings"/>; the page and the API check the same way.</summary>
public static class ConcernSettingsStore
{
    public const int MaxAcknowledgeMinutes = 24 * 60;

    public static async Task<ConcernSettings> LoadAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        await db.Set<ConcernSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct) ?? new ConcernSettings { SchoolId = schoolId };

    public static ConcernSettingsDto ToDto(ConcernSettings s) =>
        new(s.AcknowledgeWithinMinutes, s.HeadteacherId is { } h ? Ids.Format(h) : null, s.BehaviourLeadId is { } b ? Ids.Format(b) : null);

    /// <summary>Checks and saves (with its audit entry); answers the errors by field, empty when saved.</summary>
    public static async Task<Dictionary<string, string[]>> SaveAsync(ChaperoneDbContext db, ClaimsPrincipal user, ConcernSettingsDto request, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var errors = new Dictionary<string, string[]>();
        if (request.AcknowledgeWithinMinutes is < 1 or > MaxAcknowledgeMinutes)
        {
            errors["acknowledgeWithinMinutes"] = [$"Give the time as a whole number of minutes from 1 to {MaxAcknowledgeMinutes}."];
        }
        var leaders = await StaffWithRole.ListAsync(db, schoolId, Roles.Slt, ct);
        Guid? Leader(string field, string? id, string what)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                return null;
            }
            if (Ids.TryParse(id, out var g) && leaders.Exists(l => l.Id == g))
            {
                return g;
            }
            errors[field] = [$"Choose {what} from the school's senior leaders."];
            return null;
        }
        var head = Leader("headteacherId", request.HeadteacherId, "the headteacher");
        var lead = Leader("behaviourLeadId", request.BehaviourLeadId, "the senior leader for behaviour concerns");
        if (errors.Count > 0)
        {
            return errors;
        }
        var row = await db.Set<ConcernSettings>().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct);
        if (row is null)
        {
            row = new ConcernSettings { SchoolId = schoolId };
            db.Add(row);
        }
        row.AcknowledgeWithinMinutes = request.AcknowledgeWithinMinutes;
        row.HeadteacherId = head;
        row.BehaviourLeadId = lead;
        AuditLog.Record(db, user, AuditActions.SettingsChanged, AuditSubjects.School, schoolId, new { concerns = ToDto(row) });
        await db.SaveChangesAsync(ct);
        return errors;
    }
}
