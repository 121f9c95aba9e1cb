using Chaperone.Calls;
using Chaperone.Concerns;
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

    /// <summary>
    /// The concerns raised about the session (clause 12), by reference, oldest first; each with its
    /// id when the reader may open it (the DSL, a senior leader for behaviour, its raiser), else null.
    /// </summary>
    public IReadOnlyList<(string Reference, string? Id)> Concerns { get; private set; } = [];

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
        var sessionId = Guid.Parse(record.Session.Id);
        var raised = await db.Set<Concern>().AsNoTracking()
            .Where(c => c.SchoolId == schoolId && c.SessionId == sessionId && c.Status == ConcernStatus.Raised)
            .OrderBy(c => c.Number).Select(c => new { c.Id, c.Number }).ToListAsync(ct);
        var readable = await ConcernAccess.Visible(db, User).Where(c => c.SessionId == sessionId).Select(c => c.Id).ToListAsync(ct);
        Concerns = raised.Select(c => (Concern.ReferenceOf(c.Number), readable.Contains(c.Id) ? Ids.Format(c.Id) : null)).ToList();
        return Page();
    }

    public string Clock(DateTimeOffset at) => InterventionRow.Clock(at, Zone);

    /// <summary>"at 10:32" on the session's day; "on Tuesday 8 December 2026 at 09:15" on another (an outcome recorded later, say).</summary>
    public string When(DateTimeOffset at) =>
        Instant.FromDateTimeOffset(at).InZone(Zone).Date == Instant.FromDateTimeOffset(Record.Session.Start).InZone(Zone).Date
            ? $"at {Clock(at)}"
            : Display.OnDayAt(at, Zone);
}
