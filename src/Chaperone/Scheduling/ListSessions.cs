using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>Filters for listing sessions; every one optional. Instants are UTC.</summary>
public sealed record SessionFilter(
    DateTimeOffset? EndsAfter = null,
    DateTimeOffset? StartsBefore = null,
    Guid? TeacherId = null,
    Guid? PupilId = null,
    SessionStatus? Status = null)
{
    /// <summary>The start of <paramref name="day"/> in the school's zone, in UTC.</summary>
    public static DateTimeOffset StartOf(LocalDate day, DateTimeZone zone) =>
        day.AtStartOfDayInZone(zone).ToDateTimeOffset().ToUniversalTime();

    /// <summary>The end of <paramref name="day"/> (the start of the next) in the school's zone, in UTC: a 'to' date includes its whole day.</summary>
    public static DateTimeOffset EndOf(LocalDate day, DateTimeZone zone) => StartOf(day.PlusDays(1), zone);
}

/// <summary>Which sessions a member of staff may see, and the list filters; shared by the API, the pages and the commands.</summary>
public static class ListSessions
{
    /// <summary>
    /// The sessions this user may see: their school's, and only their own unless they see the
    /// whole school (<see cref="SchedulingAccess.SeesWholeSchool"/>). The API answers another of the
    /// school's as not allowed and anything else as not found (<see cref="RefusalAsync"/>); the
    /// pages answer both as not found.
    /// </summary>
    public static IQueryable<Session> Visible(ChaperoneDbContext db, ClaimsPrincipal user)
    {
        var schoolId = user.SchoolId();
        var query = db.Sessions.Where(s => s.SchoolId == schoolId);
        if (!SchedulingAccess.SeesWholeSchool(user))
        {
            var me = user.UserId();
            query = query.Where(s => s.TeacherId == me);
        }
        return query;
    }

    public static IQueryable<Session> Matching(this IQueryable<Session> query, SessionFilter filter)
    {
        if (filter.EndsAfter is { } after) { query = query.Where(s => s.End > after); }
        if (filter.StartsBefore is { } before) { query = query.Where(s => s.Start < before); }
        if (filter.TeacherId is { } teacher) { query = query.Where(s => s.TeacherId == teacher); }
        if (filter.PupilId is { } pupil) { query = query.Where(s => s.Pupils.Any(p => p.PupilId == pupil)); }
        if (filter.Status is { } status) { query = query.Where(s => s.Status == status); }
        return query;
    }

    public const string NotVisible = "No session with this id in your school.";

    public const string OnlyTheirOwn = "This session is another teacher's: teachers see only their own sessions.";

    /// <summary>
    /// Why this user cannot have a session they may not see (<see cref="Visible"/>): one of their own
    /// school's is not theirs to see (403, <paramref name="forbidden"/>), anything else (another
    /// school's, or none) is not found (404), as the API's errors are defined.
    /// </summary>
    public static async Task<SessionOutcome> RefusalAsync(ChaperoneDbContext db, ClaimsPrincipal user, Guid sessionId, CancellationToken ct, string forbidden = OnlyTheirOwn)
    {
        var schoolId = user.SchoolId();
        return await db.Sessions.AnyAsync(s => s.Id == sessionId && s.SchoolId == schoolId, ct)
            ? new SessionOutcome.Forbidden(forbidden)
            : new SessionOutcome.Missing(NotVisible);
    }
}
