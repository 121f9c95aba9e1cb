using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Records;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Records;

/// <summary>A session's record, to read and to print: the session's teacher, senior leaders and the DSL (<see cref="RecordAccess"/>).</summary>
public sealed class SessionModel(ChaperoneDbContext db, CallProviderResolver providers) : PageModel
{
    public SessionRecordDto Record { get; private set; } = null!;
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;
    public string School { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        if (!Ids.TryParse(id, out var sessionId)
            || await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId && s.SchoolId == schoolId).Select(s => (Guid?)s.TeacherId).FirstOrDefaultAsync(ct) is not { } teacherId
            || !RecordAccess.MayReadSessionRecord(User, teacherId)
            || await SessionRecords.RecordAsync(db, providers, schoolId, sessionId, ct) is not { } record)
        {
            return NotFound();
        }
        Record = record;
        Zone = Policy.PolicySettings.ZoneOrDefault(record.TimeZone);
        School = await db.Schools.Where(s => s.Id == schoolId).Select(s => s.Name).FirstAsync(ct);
        return Page();
    }

    public string Clock(DateTimeOffset at) => InterventionRow.Clock(at, Zone);
}
