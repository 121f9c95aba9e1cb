using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Scheduling;

public sealed record PersonRef(string Id, string Name);

public sealed record GuardianRef(string Id, string Name, string Relationship, bool HasParentalResponsibility, string? Email);

public sealed record CancellationDto(string Reason, DateTimeOffset At);

/// <summary>A session as the API shows it. <c>startLocal</c> is the start in the school's zone, with that zone's offset.</summary>
public sealed record SessionDto(
    string Id,
    string Status,
    string Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    string StartLocal,
    string EndLocal,
    string TimeZone,
    int DurationMinutes,
    PersonRef Teacher,
    IReadOnlyList<PersonRef> Pupils,
    IReadOnlyList<GuardianRef> Guardians,
    string Provider,
    DateTimeOffset BookedAt,
    int Sequence,
    CancellationDto? Cancellation);

/// <summary>Reads sessions for the API and the pages, always within one school.</summary>
public static class SessionView
{
    private static readonly OffsetDateTimePattern LocalPattern = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");

    public static string Local(DateTimeOffset instant, DateTimeZone zone) =>
        LocalPattern.Format(Instant.FromDateTimeOffset(instant).InZone(zone).ToOffsetDateTime());

    public static async Task<SessionDto?> LoadAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct) =>
        (await LoadManyAsync(db, schoolId, db.Sessions.Where(s => s.Id == sessionId), ct)).FirstOrDefault();

    /// <summary>Loads the sessions of <paramref name="query"/> (which must already be ordered and paged) with their people.</summary>
    public static async Task<List<SessionDto>> LoadManyAsync(ChaperoneDbContext db, Guid schoolId, IQueryable<Session> query, CancellationToken ct)
    {
        var zoneId = await db.Schools.Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstOrDefaultAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(zoneId);
        var sessions = await query.Where(s => s.SchoolId == schoolId).AsNoTracking()
            .Select(s => new
            {
                Session = s,
                Teacher = db.Users.Where(u => u.Id == s.TeacherId).Select(u => u.Name).FirstOrDefault(),
            })
            .ToListAsync(ct);
        if (sessions.Count == 0)
        {
            return [];
        }
        var ids = sessions.Select(s => s.Session.Id).ToList();
        var pupils = await db.SessionPupils.AsNoTracking().Where(p => ids.Contains(p.SessionId))
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { sp.SessionId, p.Id, p.Name })
            .ToListAsync(ct);
        var guardians = await db.SessionGuardians.AsNoTracking().Where(g => ids.Contains(g.SessionId))
            .Join(db.Guardians, sg => sg.GuardianId, g => g.Id, (sg, g) => new { sg.SessionId, Guardian = g })
            .ToListAsync(ct);
        return sessions.Select(x => ToDto(
            x.Session,
            new PersonRef(Ids.Format(x.Session.TeacherId), x.Teacher ?? ""),
            pupils.Where(p => p.SessionId == x.Session.Id).Select(p => new PersonRef(Ids.Format(p.Id), p.Name)),
            guardians.Where(g => g.SessionId == x.Session.Id)
                .Select(g => new GuardianRef(Ids.Format(g.Guardian.Id), g.Guardian.Name, g.Guardian.Relationship, g.Guardian.HasParentalResponsibility, g.Guardian.Email)),
            zone)).ToList();
    }

    /// <summary>A session as the API shows it, given its people (listed by name).</summary>
    public static SessionDto ToDto(Session s, PersonRef teacher, IEnumerable<PersonRef> pupils, IEnumerable<GuardianRef> guardians, DateTimeZone zone) => new(
        Ids.Format(s.Id),
        s.Status.ToApi(),
        s.Kind.ToApi(),
        s.Start.ToUniversalTime(),
        s.End.ToUniversalTime(),
        Local(s.Start, zone),
        Local(s.End, zone),
        zone.Id,
        s.DurationMinutes,
        teacher,
        pupils.OrderBy(p => p.Name).ToList(),
        guardians.OrderBy(g => g.Name).ToList(),
        s.Provider,
        s.BookedAt.ToUniversalTime(),
        s.Sequence,
        s.CancellationReason is { } reason && s.CancelledAt is { } at ? new CancellationDto(reason, at.ToUniversalTime()) : null);
}
