using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Sessions;

/// <summary>The answer of a session's page that this member of staff may not open, as the API's (<see cref="ListSessions.RefusalAsync"/>).</summary>
public static class SessionPageAccess
{
    /// <summary>"Not allowed" for a session of their own school (a colleague's, or a record they may not read), "not found" for anything else.</summary>
    public static async Task<IActionResult> NotOpenAsync(this PageModel page, ChaperoneDbContext db, string id, CancellationToken ct) =>
        Ids.TryParse(id, out var sessionId) && await ListSessions.RefusalAsync(db, page.User, sessionId, ct) is SessionOutcome.Forbidden
            ? page.Forbid()
            : page.NotFound();
}
