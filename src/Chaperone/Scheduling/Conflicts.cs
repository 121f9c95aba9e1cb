using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Scheduling;

/// <summary>Someone already booked at an overlapping time.</summary>
public sealed record ConflictDto(string SessionId, string Who, string Role, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// Clause-independent double-booking guard: no teacher, pupil or guardian may be in two
/// overlapping sessions (a parent cannot supervise two siblings' calls at once).
/// </summary>
public static class Conflicts
{
    /// <summary>
    /// Serialises bookings that share a participant. On PostgreSQL each participant's id takes a
    /// transaction-scoped advisory lock, in a fixed order so that two bookings cannot deadlock;
    /// SQLite already allows one writer at a time and the transaction is begun immediate.
    /// Call inside the booking's transaction, before <see cref="FindAsync"/>.
    /// </summary>
    public static async Task LockParticipantsAsync(ChaperoneDbContext db, IEnumerable<Guid> participantIds, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            return;
        }
        foreach (var key in participantIds.Select(LockKey).Distinct().Order())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", ct);
        }
    }

    private static long LockKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]);
    }

    public static async Task<List<ConflictDto>> FindAsync(
        ChaperoneDbContext db, Guid schoolId, Guid teacherId, IReadOnlyCollection<Guid> pupilIds, IReadOnlyCollection<Guid> guardianIds,
        DateTimeOffset start, DateTimeOffset end, Guid? excludingSessionId, CancellationToken ct)
    {
        var overlapping = db.Sessions.AsNoTracking().Where(s =>
            s.SchoolId == schoolId
            && (s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live)
            && s.Start < end && s.End > start
            && s.Id != excludingSessionId);

        var conflicts = new List<ConflictDto>();
        var teacherClashes = await overlapping.Where(s => s.TeacherId == teacherId)
            .Join(db.Users, s => s.TeacherId, u => u.Id, (s, u) => new { s.Id, u.Name, s.Start, s.End })
            .ToListAsync(ct);
        conflicts.AddRange(teacherClashes.Select(c => new ConflictDto(c.Id.ToString(), c.Name, "teacher", c.Start, c.End)));

        if (pupilIds.Count > 0)
        {
            var pupilClashes = await overlapping
                .SelectMany(s => s.Pupils.Where(p => pupilIds.Contains(p.PupilId)), (s, p) => new { s.Id, p.PupilId, s.Start, s.End })
                .Join(db.Pupils, x => x.PupilId, p => p.Id, (x, p) => new { x.Id, p.Name, x.Start, x.End })
                .ToListAsync(ct);
            conflicts.AddRange(pupilClashes.Select(c => new ConflictDto(c.Id.ToString(), c.Name, "pupil", c.Start, c.End)));
        }
        if (guardianIds.Count > 0)
        {
            var guardianClashes = await overlapping
                .SelectMany(s => s.Guardians.Where(g => guardianIds.Contains(g.GuardianId)), (s, g) => new { s.Id, g.GuardianId, s.Start, s.End })
                .Join(db.Guardians, x => x.GuardianId, g => g.Id, (x, g) => new { x.Id, g.Name, x.Start, x.End })
                .ToListAsync(ct);
            conflicts.AddRange(guardianClashes.Select(c => new ConflictDto(c.Id.ToString(), c.Name, "guardian", c.Start, c.End)));
        }
        return conflicts;
    }

    public static string Describe(IEnumerable<ConflictDto> conflicts) =>
        string.Join(" ", conflicts.Select(c => $"{c.Who} ({c.Role}) is already in session {c.SessionId} from {c.Start:u} to {c.End:u}."));
}
