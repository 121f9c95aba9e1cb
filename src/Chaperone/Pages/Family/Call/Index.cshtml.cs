using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Family.Call;

/// <summary>
/// The family's call page, reached from the guardian's link: device check, the lobby, the call.
/// The link opens it only while its session is still to run (not cancelled, not long past its
/// end) and the guardian is still invited.
/// </summary>
public sealed class IndexModel(ChaperoneDbContext db, FamilyLinks links, TimeProvider clock, CallNetwork network) : PageModel
{
    public string Token { get; private set; } = "";

    /// <summary>The session whose room the page joins (the hub's address names it).</summary>
    public Guid SessionId { get; private set; }
    public string? Refusal { get; private set; }
    public string IceServersJson { get; private set; } = "[]";
    /// <summary>Media only through the relay: the installation's requirement or the school's choice.</summary>
    public bool RelayOnly { get; private set; }
    public string TeacherName { get; private set; } = "";
    /// <summary>The guardian's own children on the session.</summary>
    public IReadOnlyList<RoomPupil> Pupils { get; private set; } = [];

    /// <summary>Whether other families' children are booked on the session too (a small group).</summary>
    public bool OtherFamilies { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        Token = token;
        Refusal = await CheckAsync(token, ct);
        if (_inTeams)
        {
            // A Teams session's call is its Teams meeting: the family's page gives its link.
            return LocalRedirect($"/family/{Uri.EscapeDataString(token)}#join-title");
        }
        if (Refusal is not null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        await DescribeAsync(ct);
        return Page();
    }

    /// <summary>What the family's page shows of a session the link opens: the school's name in the header.</summary>
    private async Task DescribeAsync(CancellationToken ct)
    {
        var schoolId = await db.Sessions.Where(s => s.Id == SessionId).Select(s => s.SchoolId).FirstAsync(ct);
        ViewData["School"] = await db.Schools.Where(s => s.Id == schoolId).Select(s => s.Name).FirstAsync(ct);
    }

    /// <summary>The link is for a Teams session, whose call is not on this page.</summary>
    private bool _inTeams;

    private async Task<string?> CheckAsync(string token, CancellationToken ct)
    {
        if (links.Read(token) is not { } link)
        {
            return "This link is not valid. Please use the link in the email from the school.";
        }
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == link.SessionId, ct);
        if (session is null || !await db.SessionGuardians.AnyAsync(g => g.SessionId == session.Id && g.SchoolId == session.SchoolId && g.GuardianId == link.GuardianId, ct))
        {
            return "This link is no longer for a session you are invited to. Please contact the school.";
        }
        if (session.Status == SessionStatus.Cancelled)
        {
            return "This session was cancelled. The school will be in touch about another time.";
        }
        if (session.Status == SessionStatus.Ended || clock.GetUtcNow() > session.End + FamilyLinks.GraceAfterEnd)
        {
            return "This session has finished.";
        }
        if (session.Provider == CallProviders.Teams)
        {
            _inTeams = true;
            return null;
        }
        SessionId = session.Id;
        // The relay's credentials only for a link that opens the call, and only for as long as it does.
        IceServersJson = network.JsonFor(session.Id, session.End);
        RelayOnly = network.RelayOnlyFor(await db.Schools.Where(s => s.Id == session.SchoolId).Select(s => s.RelayOnly).FirstAsync(ct));
        TeacherName = await db.Users.Where(u => u.Id == session.TeacherId).Select(u => u.Name).FirstAsync(ct);
        // Only their own children on the session: in a small group, each family brings its own (clause 1).
        var sessionPupils = db.SessionPupils.Where(sp => sp.SessionId == session.Id && sp.SchoolId == session.SchoolId);
        Pupils = await sessionPupils
            .Where(sp => db.PupilGuardians.Any(l => l.PupilId == sp.PupilId && l.GuardianId == link.GuardianId && l.SchoolId == session.SchoolId))
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new RoomPupil(p.Id, p.Name)).ToListAsync(ct);
        OtherFamilies = await sessionPupils.CountAsync(ct) > Pupils.Count;
        return null;
    }
}
