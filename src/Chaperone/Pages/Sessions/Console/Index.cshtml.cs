using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Sessions.Console;

/// <summary>The teacher's session console: video, lobby, consent, checks, expectations, controls and a live compliance panel.</summary>
public sealed class IndexModel(ChaperoneDbContext db, CallNetwork network, TimeProvider clock) : PageModel
{
    public SessionDto Session { get; private set; } = null!;
    public bool IsHost { get; private set; }
    public string IceServersJson { get; private set; } = "[]";
    /// <summary>Media only through the relay: the installation's requirement or the school's choice.</summary>
    public bool RelayOnly { get; private set; }
    public IReadOnlyList<string> Outcomes => RecordOutcome.Outcomes;

    /// <summary>When the school's hours end, in its zone (clause 3: no call starts after then, and one still going is on the record as beyond them).</summary>
    public string HoursEnd { get; private set; } = "";

    /// <summary>The instant the school's hours end on the session's day, and the server's time now, for the console's warning as the end nears (its own clock may be off).</summary>
    public (DateTimeOffset EndsAt, DateTimeOffset Now) HoursClock { get; private set; }

    /// <summary>The parents and carers who said on their page that they cannot come at this time.</summary>
    public IReadOnlyList<string> CannotCome { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var sessionId) || await SessionEndpoints.VisibleSessionAsync(db, User, sessionId, ct) is not { } session)
        {
            return await this.NotOpenAsync(db, id, ct);
        }
        Session = (await SessionView.LoadAsync(db, User.SchoolId(), sessionId, ct))!;
        IsHost = session.TeacherId == User.UserId() && session.Provider == CallProviders.BuiltIn;
        if (IsHost)
        {
            IceServersJson = network.JsonFor(session.Id, session.End);
            RelayOnly = network.RelayOnlyFor(await db.Schools.Where(s => s.Id == session.SchoolId).Select(s => s.RelayOnly).FirstAsync(ct));
            var settings = await Scheduling.BookingFacts.LoadSettingsAsync(db, session.SchoolId, ct);
            HoursEnd = Display.Time(settings.DayEnd);
            var day = NodaTime.Instant.FromDateTimeOffset(session.Start).InZone(settings.TimeZone).Date;
            HoursClock = ((day + settings.DayEnd).InZoneLeniently(settings.TimeZone).ToDateTimeOffset(), clock.GetUtcNow());
            var said = await Families.FamilyAbsence.CurrentAsync(db, session.SchoolId, session.Id, session.Sequence, ct);
            CannotCome = [.. Session.Guardians.Where(g => said.ContainsKey(Guid.Parse(g.Id))).Select(g => g.Name)];
        }
        return Page();
    }
}
