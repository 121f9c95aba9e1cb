using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Pages.Family.Call;

/// <summary>
/// The family's call page, reached from the guardian's link: device check, the lobby, the call.
/// The link opens it only while its session is still to run (not cancelled, not long past its
/// end) and the guardian is still invited and still linked to one of its children
/// (<see cref="OpenFamilyLink.Admitted"/>), as the family's page: an unknown link answers 404, a
/// cancelled or finished session's 410. Rate-limited per client address as the family's page.
/// </summary>
[EnableRateLimiting(Identity.RateLimits.Family)]
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
        (Refusal, var status) = await CheckAsync(token, ct);
        if (_inTeams)
        {
            // A Teams session's call is its Teams meeting: the family's page gives its link.
            return LocalRedirect($"/family/{Uri.EscapeDataString(token)}#join-title");
        }
        if (Refusal is not null)
        {
            Response.StatusCode = status;
            return Page();
        }
        await DescribeAsync(token, ct);
        return Page();
    }

    private static (string, int) Unknown(string words) => (words, StatusCodes.Status404NotFound);

    private static (string, int) Gone(string words) => (words, StatusCodes.Status410Gone);

    /// <summary>When the room opens (clause 3; <see cref="OpeningWindowRule.OpensAt"/>): the page goes in by itself then.</summary>
    public DateTimeOffset RoomOpensAt { get; private set; }

    /// <summary>The server's time as the page was made, so that the page reckons the opening by it and not by the device's clock.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>The opening in the school's time zone, as the family's pages give times: <c>09:50 on Wednesday 2 December 2026</c>.</summary>
    public string RoomOpens { get; private set; } = "";

    /// <summary>The room checklist as the guardian last saved it on their page, ticked again here.</summary>
    public IReadOnlySet<string> Ticked { get; private set; } = new HashSet<string>();

    /// <summary>What the family's page shows of a session the link opens: the school's name, when the room opens, their saved checklist.</summary>
    private async Task DescribeAsync(string token, CancellationToken ct)
    {
        var session = await db.Sessions.AsNoTracking().Where(s => s.Id == SessionId).Select(s => new { s.SchoolId, s.Start }).FirstAsync(ct);
        ViewData["School"] = await db.Schools.Where(s => s.Id == session.SchoolId).Select(s => s.Name).FirstAsync(ct);
        var settings = await BookingFacts.LoadSettingsAsync(db, session.SchoolId, ct);
        Now = clock.GetUtcNow();
        RoomOpensAt = OpeningWindowRule.OpensAt(settings, session.Start);
        var opens = Instant.FromDateTimeOffset(RoomOpensAt).InZone(settings.TimeZone).LocalDateTime;
        RoomOpens = $"{Display.Time(opens.TimeOfDay)} on {Display.Day(opens.Date)}";
        var answers = await FamilyChecklist.LatestOfAsync(db, session.SchoolId, SessionId, links.Read(token)!.GuardianId, ct);
        Ticked = answers?.Ticked.ToHashSet() ?? [];
    }

    /// <summary>Whether the room is not open yet, by the server's clock.</summary>
    public bool Early => Now < RoomOpensAt;

    /// <summary>The link is for a Teams session, whose call is not on this page.</summary>
    private bool _inTeams;

    private async Task<(string? Refusal, int Status)> CheckAsync(string token, CancellationToken ct)
    {
        if (links.Read(token) is not { } link)
        {
            return Unknown("This link is not valid. Please use the link in the email from the school.");
        }
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == link.SessionId, ct);
        if (session is null || !await OpenFamilyLink.Admitted(db, session.SchoolId, session.Id, link.GuardianId).AnyAsync(ct))
        {
            return Unknown("This link is no longer for a session you are invited to. Please contact the school.");
        }
        if (session.Status == SessionStatus.Cancelled)
        {
            return Gone("This session was cancelled. The school will be in touch about another time.");
        }
        if (session.Status == SessionStatus.Ended || clock.GetUtcNow() >= OpenFamilyLink.ExpiresAt(session))
        {
            return Gone("This session has finished.");
        }
        if (session.Provider == CallProviders.Teams)
        {
            _inTeams = true;
            return (null, StatusCodes.Status200OK);
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
        return (null, StatusCodes.Status200OK);
    }
}
