using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Sessions.Recordings;

/// <summary>A session's recordings, played back for the session's teacher, senior leaders and the DSL (each viewing is logged).</summary>
public sealed class IndexModel(ChaperoneDbContext db) : PageModel
{
    public SessionDto Session { get; private set; } = null!;
    public bool MayWatch { get; private set; }
    public IReadOnlyList<Recording> Items { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var sessionId) || await SessionEndpoints.VisibleSessionAsync(db, User, sessionId, ct) is not { } session)
        {
            return NotFound();
        }
        var schoolId = User.SchoolId();
        Session = (await SessionView.LoadAsync(db, schoolId, sessionId, ct))!;
        MayWatch = RecordingEndpoints.MayWatch(User, session.TeacherId);
        Items = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId).OrderBy(r => r.StartedAt).ToListAsync(ct);
        return Page();
    }
}
