using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
    /// Begins the transaction of a write that must not double-book anyone, and takes the
    /// participants' locks in it (<see cref="LockParticipantsAsync"/>); run <see cref="FindAsync"/>
    /// and the write inside it, then commit. On SQLite, writers of this process also queue for the
    /// database's single write lock here (<see cref="SqliteWriteGate"/>) rather than collide on it.
    /// </summary>
    public static async Task<WriteTransaction> BeginAsync(ChaperoneDbContext db, IEnumerable<Guid> participantIds, CancellationToken ct)
    {
        var transaction = await WriteTransaction.BeginAsync(db, ct);
        try
        {
            await LockParticipantsAsync(db, participantIds, ct);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs a write that must not double-book anyone: <paramref name="write"/> checks with
    /// <see cref="FindAsync"/> on the context it is given, adds what it writes there and decides;
    /// what it added is saved and committed together with the checks (one transaction), durably
    /// before this returns. On PostgreSQL the write runs in its own transaction holding the
    /// participants' locks (<see cref="LockParticipantsAsync"/>); on SQLite, one writer at a time,
    /// it joins the next group commit (<see cref="SqliteGroupCommit"/>), which runs it on the
    /// batch's context: it must use the context it is given, not its own.
    /// </summary>
    public static async Task<T> WriteAsync<T>(ChaperoneDbContext db, IEnumerable<Guid> participantIds, TransactionalWrite<T> write, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
        {
            return await SqliteGroupCommit.For(db).RunAsync(db, write, ct);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await LockParticipantsAsync(db, participantIds, ct);
        var decision = await write(db, ct);
        if (decision.Save)
        {
            await WriteDecision.SaveAsync(db, decision, ct);
            await transaction.CommitAsync(ct);
        }
        return decision.Result;
    }

    /// <summary>
    /// Serialises bookings that share a participant. On PostgreSQL each participant's id takes a
    /// transaction-scoped advisory lock, in a fixed order so that two bookings cannot deadlock
    /// (the statements go in one round trip and run in order); SQLite already allows one writer at
    /// a time and the transaction is begun immediate. Call inside the booking's transaction,
    /// before <see cref="FindAsync"/>.
    /// </summary>
    private static async Task LockParticipantsAsync(ChaperoneDbContext db, IEnumerable<Guid> participantIds, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            return;
        }
        var keys = participantIds.Select(LockKey).Distinct().Order().Cast<object>().ToArray();
        if (keys.Length == 0)
        {
            return;
        }
        var sql = string.Join("; ", keys.Select((_, i) => $"SELECT pg_advisory_xact_lock({{{i}}})"));
        await db.Database.ExecuteSqlRawAsync(sql, keys, ct);
    }

    private static long LockKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]);
    }

    /// <summary>Everyone of the proposed session who is already in an overlapping active session, in one query.</summary>
    public static async Task<List<ConflictDto>> FindAsync(
        ChaperoneDbContext db, Guid schoolId, Guid teacherId, IReadOnlyCollection<Guid> pupilIds, IReadOnlyCollection<Guid> guardianIds,
        DateTimeOffset start, DateTimeOffset end, Guid? excludingSessionId, CancellationToken ct)
    {
        // No session lasts longer than the policy's maximum, so one that overlaps starts after
        // start − maximum: that lower bound makes "starts before the end" a narrow index range
        // instead of a walk through every earlier session.
        var earliest = start.AddMinutes(-PolicySettings.MaximumDurationMinutes);
        var found = await ClashQuery.For(db)(db, schoolId, teacherId, AsList(pupilIds), AsList(guardianIds), earliest, start, end, excludingSessionId)
            .ToListAsync(ct);
        return found
            .OrderBy(c => c.Role)
            .Select(c => new ConflictDto(c.SessionId.ToString(), c.Name, RoleNames[c.Role], c.Start, c.End))
            .ToList();
    }

    private static List<Guid> AsList(IReadOnlyCollection<Guid> ids) => ids as List<Guid> ?? [.. ids];

    // Compiled once (it runs on every booking, check and reschedule). Each participant's sessions
    // are found through their own index by person and start (the teacher's on the session, each
    // pupil's and guardian's on their participant row, which holds the session's times), so the
    // work follows these people's sessions in the range, not everything the school holds then;
    // an empty id list simply matches nothing. The sessions are those that still hold their
    // participants' time (scheduled or live) and overlap [start, end); a compiled query cannot
    // share that filter through a helper, so it is spelled out in each part.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, DateTimeOffset, DateTimeOffset, DateTimeOffset, Guid?, IAsyncEnumerable<Clash>>> ClashQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, Guid teacherId, List<Guid> pupilIds, List<Guid> guardianIds,
            DateTimeOffset earliest, DateTimeOffset start, DateTimeOffset end, Guid? excludingSessionId) =>
            db.Sessions.Where(s => s.TeacherId == teacherId && s.SchoolId == schoolId
                && (s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live)
                && s.Start > earliest && s.Start < end && s.End > start && s.Id != excludingSessionId)
                .Join(db.Users, s => s.TeacherId, u => u.Id, (s, u) => new Clash { SessionId = s.Id, Name = u.Name, Role = RoleTeacher, Start = s.Start, End = s.End })
                .Concat(db.SessionPupils.Where(p => pupilIds.Contains(p.PupilId) && p.SchoolId == schoolId
                        && p.Start > earliest && p.Start < end && p.End > start && p.SessionId != excludingSessionId)
                    .Join(db.Sessions.Where(s => s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live),
                        p => p.SessionId, s => s.Id, (p, s) => new { s.Id, p.PupilId, s.Start, s.End })
                    .Join(db.Pupils, x => x.PupilId, p => p.Id, (x, p) => new Clash { SessionId = x.Id, Name = p.Name, Role = RolePupil, Start = x.Start, End = x.End }))
                .Concat(db.SessionGuardians.Where(g => guardianIds.Contains(g.GuardianId) && g.SchoolId == schoolId
                        && g.Start > earliest && g.Start < end && g.End > start && g.SessionId != excludingSessionId)
                    .Join(db.Sessions.Where(s => s.Status == SessionStatus.Scheduled || s.Status == SessionStatus.Live),
                        g => g.SessionId, s => s.Id, (g, s) => new { s.Id, g.GuardianId, s.Start, s.End })
                    .Join(db.Guardians, x => x.GuardianId, g => g.Id, (x, g) => new Clash { SessionId = x.Id, Name = g.Name, Role = RoleGuardian, Start = x.Start, End = x.End }))));

    private const int RoleTeacher = 0;
    private const int RolePupil = 1;
    private const int RoleGuardian = 2;
    private static readonly string[] RoleNames = ["teacher", "pupil", "guardian"];

    private sealed class Clash
    {
        public Guid SessionId { get; init; }
        public required string Name { get; init; }
        public int Role { get; init; }
        public DateTimeOffset Start { get; init; }
        public DateTimeOffset End { get; init; }
    }

    public static string Describe(IEnumerable<ConflictDto> conflicts) =>
        string.Join(" ", conflicts.Select(c => $"{c.Who} ({c.Role}) is already in session {c.SessionId} from {c.Start:u} to {c.End:u}."));
}
