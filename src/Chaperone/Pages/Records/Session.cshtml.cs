using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Pages.Sessions;
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
        if (await SessionRecords.ReadableAsync(db, providers, User, id, ct) is not { } record)
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        Record = record;
        Zone = Policy.PolicySettings.ZoneOrDefault(record.TimeZone);
        var schoolId = User.SchoolId();
        School = await db.Schools.Where(s => s.Id == schoolId).Select(s => s.Name).FirstAsync(ct);
        return Page();
    }

    public string Clock(DateTimeOffset at) => InterventionRow.Clock(at, Zone);
}
