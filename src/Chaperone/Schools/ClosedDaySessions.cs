using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Schools;

/// <summary>
/// Clause 3 after the fact: sessions booked before a closure was added that fall on its days. The
/// booking rules keep new ones off a closed day, but an INSET day added later leaves the sessions
/// already booked where they were (and the room will not open on the day): the admin sees them
/// beside the closure and may cancel them all, each family emailed with the reason (clause 8).
/// </summary>
public sealed class ClosedDaySessions(ChaperoneDbContext db, CancelSession cancel, TimeProvider clock)
{
    /// <summary>The scheduled sessions still to come on <paramref name="closures"/>' days, per closure, in the school's zone.</summary>
    public static async Task<Dictionary<Guid, List<SessionDto>>> BookedAsync(ChaperoneDbContext db, Guid schoolId, IReadOnlyCollection<Closure> closures, DateTimeOffset now, CancellationToken ct)
    {
        var found = closures.ToDictionary(c => c.Id, _ => new List<SessionDto>());
        if (closures.Count == 0)
        {
            return found;
        }
        var zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var first = SessionFilter.StartOf(LocalDate.FromDateOnly(closures.Min(c => c.FirstDay)), zone);
        var from = first > now ? first : now;
        var to = SessionFilter.EndOf(LocalDate.FromDateOnly(closures.Max(c => c.LastDay)), zone);
        // The closures may lie far apart (a school lists its holidays for the year): only the
        // sessions on their days are read in full.
        var candidates = await db.Sessions.AsNoTracking().Where(s => s.SchoolId == schoolId && s.Status == SessionStatus.Scheduled && s.Start < to && s.Start >= from)
            .Select(s => new { s.Id, s.Start }).ToListAsync(ct);
        var onClosedDays = candidates
            .Select(s => (s.Id, Day: Instant.FromDateTimeOffset(s.Start).InZone(zone).Date))
            .Select(s => (s.Id, Closures: closures.Where(c => LocalDate.FromDateOnly(c.FirstDay) <= s.Day && s.Day <= LocalDate.FromDateOnly(c.LastDay)).ToList()))
            .Where(s => s.Closures.Count > 0)
            .ToList();
        var sessions = await InFullAsync(db, schoolId, onClosedDays.Select(s => s.Id).ToList(), ct);
        foreach (var (id, on) in onClosedDays.OrderBy(s => sessions[Ids.Format(s.Id)].Start))
        {
            foreach (var closure in on)
            {
                found[closure.Id].Add(sessions[Ids.Format(id)]);
            }
        }
        return found;
    }

    /// <summary>
    /// The scheduled sessions still to come that the school's hours, school days or time zone, as
    /// they are now, no longer allow (clause 3): booked before the admin changed them. Each with
    /// what is wrong, in the booking rule's own words; closures are shown with their closure.
    /// </summary>
    public static async Task<List<(SessionDto Session, string Why)>> OutsideSchoolTimeAsync(ChaperoneDbContext db, Guid schoolId, DateTimeOffset now, CancellationToken ct)
    {
        var settings = await BookingFacts.LoadSettingsAsync(db, schoolId, ct);
        var upcoming = await db.Sessions.AsNoTracking().Where(s => s.SchoolId == schoolId && s.Status == SessionStatus.Scheduled && s.Start >= now)
            .Select(s => new { s.Id, s.Start, s.DurationMinutes }).ToListAsync(ct);
        var rule = new Policy.Rules.SchoolHoursRule();
        var nobody = new Policy.HostFacts(Guid.Empty, "", true, null);
        var outside = upcoming
            .Select(s => (s.Id, Failed: rule.Evaluate(new Policy.BookingProposal(Instant.FromDateTimeOffset(now), Instant.FromDateTimeOffset(s.Start), s.DurationMinutes, nobody, [], [], [], []), settings)
                .Where(f => !f.Passed && f.Rule != "school-closed").Select(f => f.Message).ToList()))
            .Where(s => s.Failed.Count > 0)
            .ToList();
        var sessions = await InFullAsync(db, schoolId, outside.Select(s => s.Id).ToList(), ct);
        return outside.Select(s => (sessions[Ids.Format(s.Id)], string.Join(" ", s.Failed))).OrderBy(s => s.Item1.Start).ToList();
    }

    /// <summary>The sessions of <paramref name="ids"/> as the API shows them, by id: only those found out of place are read in full.</summary>
    private static async Task<Dictionary<string, SessionDto>> InFullAsync(ChaperoneDbContext db, Guid schoolId, List<Guid> ids, CancellationToken ct) =>
        ids.Count == 0
            ? []
            : (await SessionView.LoadManyAsync(db, schoolId, db.Sessions.AsNoTracking().Where(s => s.SchoolId == schoolId && ids.Contains(s.Id)), ct)).ToDictionary(s => s.Id);

    /// <summary>The reason the families are given when the sessions of a closure are cancelled.</summary>
    public static string ReasonFor(Closure closure) =>
        $"The school is closed {(closure.FirstDay == closure.LastDay ? "that day" : "on those days")} ({closure.Reason}).";

    /// <summary>
    /// Cancels every scheduled session on the closure's days, each as a cancellation with the reason
    /// (audited, the families emailed); null when the closure is not this school's. Sessions that
    /// someone else moved or cancelled meanwhile are left as they are.
    /// </summary>
    public async Task<List<SessionDto>?> CancelAsync(ClaimsPrincipal user, Guid closureId, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var closure = await db.Closures.AsNoTracking().FirstOrDefaultAsync(c => c.Id == closureId && c.SchoolId == schoolId, ct);
        if (closure is null)
        {
            return null;
        }
        var cancelled = new List<SessionDto>();
        foreach (var session in (await BookedAsync(db, schoolId, [closure], clock.GetUtcNow(), ct))[closure.Id])
        {
            db.ChangeTracker.Clear();
            if (await cancel.HandleAsync(user, Guid.Parse(session.Id), new CancelRequest(ReasonFor(closure)), ct) is SessionOutcome.Done done)
            {
                cancelled.Add(done.Session);
            }
        }
        return cancelled;
    }
}
