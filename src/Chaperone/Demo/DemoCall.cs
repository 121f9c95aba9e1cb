using Chaperone.Families;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Demo;

/// <summary>
/// So that a new user can walk through a whole call at once: each time the demo school starts,
/// it holds a session for teacher1@ opening within the next hour (when that falls within school
/// hours on a school day), booked as if days before.
/// </summary>
public static class DemoCall
{
    public const int DurationMinutes = 30;

    /// <summary>The family link of the demo call (null when none could be held now).</summary>
    public static async Task<Uri?> SeedAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var links = scope.ServiceProvider.GetRequiredService<FamilyLinks>();
        var school = await db.Schools.AsNoTracking().FirstOrDefaultAsync(s => s.Name == DemoSchool.Name, ct);
        var teacher = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == "teacher1@" + DemoSchool.Domain, ct);
        if (school is null || teacher is null)
        {
            return null;
        }
        // The next five-minute mark at least five minutes away: the room opens ten minutes before, so at once.
        var minute = now.AddSeconds(-now.Second).AddMilliseconds(-now.Millisecond);
        var start = minute.AddMinutes(5 + (5 - minute.Minute % 5) % 5);
        var end = start.AddMinutes(DurationMinutes);
        var settings = await BookingFacts.LoadSettingsAsync(db, school.Id, ct);
        var localStart = Instant.FromDateTimeOffset(start).InZone(settings.TimeZone).LocalDateTime;
        var localEnd = Instant.FromDateTimeOffset(end).InZone(settings.TimeZone).LocalDateTime;
        if (!settings.IsSchoolDay(localStart.Date) || localStart.TimeOfDay < settings.DayStart || localEnd.Date != localStart.Date || localEnd.TimeOfDay > settings.DayEnd)
        {
            return null;
        }
        var existing = await db.Sessions.AsNoTracking()
            .Where(s => s.SchoolId == school.Id && s.TeacherId == teacher.Id && Session.Active.Contains(s.Status) && s.End > now && s.Start < now.AddHours(1))
            .Select(s => new { s.Id, Guardian = s.Guardians.Select(g => g.GuardianId).FirstOrDefault() }).FirstOrDefaultAsync(ct);
        if (existing is not null)
        {
            return links.UrlFor(existing.Id, existing.Guardian);
        }
        // A pupil whose parent has parental responsibility and an email address, and no session at this time.
        var pick = await db.PupilGuardians.AsNoTracking()
            .Where(pg => pg.SchoolId == school.Id && pg.Guardian!.HasParentalResponsibility && pg.Guardian.Email != null)
            .Where(pg => !db.SessionPupils.Any(sp => sp.PupilId == pg.PupilId && db.Sessions.Any(s => s.Id == sp.SessionId && Session.Active.Contains(s.Status) && s.Start < end && s.End > start)))
            .Where(pg => !db.SessionGuardians.Any(sg => sg.GuardianId == pg.GuardianId && db.Sessions.Any(s => s.Id == sg.SessionId && Session.Active.Contains(s.Status) && s.Start < end && s.End > start)))
            .OrderBy(pg => pg.Pupil!.Name).Select(pg => new { pg.PupilId, pg.GuardianId }).FirstOrDefaultAsync(ct);
        if (pick is null)
        {
            return null;
        }
        var session = new Session
        {
            SchoolId = school.Id, TeacherId = teacher.Id, Kind = SessionKind.Support, Start = start, End = end, DurationMinutes = DurationMinutes,
            BookedAt = now.AddDays(-3), BookedById = teacher.Id,
        };
        session.Pupils.Add(new SessionPupil { SchoolId = school.Id, SessionId = session.Id, PupilId = pick.PupilId });
        session.Guardians.Add(new SessionGuardian { SchoolId = school.Id, SessionId = session.Id, GuardianId = pick.GuardianId });
        db.Sessions.Add(session);
        await db.SaveChangesAsync(ct);
        return links.UrlFor(session.Id, pick.GuardianId);
    }
}
