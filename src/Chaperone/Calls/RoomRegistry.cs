using System.Collections.Concurrent;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>What opening a room came to (<see cref="RoomRegistry.OpenAsync"/>).</summary>
public abstract record RoomOpening
{
    public sealed record Opened(RoomHandle Handle) : RoomOpening;

    public sealed record NoSuchSession : RoomOpening;

    /// <summary>Another instance holds the room (<see cref="RoomLease"/>).</summary>
    public sealed record HeldElsewhere : RoomOpening;

    /// <summary>The teacher is marking, this moment, that the pupil did not attend: the session is ending without a call.</summary>
    public sealed record BeingEnded : RoomOpening;
}

/// <summary>A live room and the gate that lets one action at a time change it.</summary>
public sealed class RoomHandle(Room room)
{
    private volatile IReadOnlyDictionary<(string From, string To), string> _routes = new Dictionary<(string, string), string>();

    public Room Room { get; } = room;
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>
    /// Set, with the gate held, when the registry lets go of this room (<see cref="RoomRegistry.LetGoIfEmptyAsync"/>);
    /// whoever then gets the gate must load the room again.
    /// </summary>
    public bool LetGo { get; set; }

    /// <summary>The last stored event's sequence; advanced with the gate held.</summary>
    public long LastSequence { get; set; }

    /// <summary>
    /// Who may signal whom now, and the connection that reaches them: rebuilt under the gate after
    /// every action, read without it, so relaying a signal never waits behind the room's actions.
    /// </summary>
    public IReadOnlyDictionary<(string From, string To), string> Routes => _routes;

    /// <summary>Rebuilds <see cref="Routes"/>; call with the gate held.</summary>
    public void Publish()
    {
        var parties = new List<(string Party, string? Connection)> { (RoomParty.Teacher, Room.TeacherConnectionId) };
        parties.AddRange(Room.Families.Values.Select(f => (f.Guardian.Id.ToString(), f.ConnectionId)));
        var routes = new Dictionary<(string, string), string>();
        foreach (var (from, _) in parties)
        {
            foreach (var (to, connection) in parties)
            {
                if (connection is not null && Room.MayConnect(from, to))
                {
                    routes[(from, to)] = connection;
                }
            }
        }
        _routes = routes;
    }
}

/// <summary>
/// The rooms open on this server, by session, and the connections in them. Rooms are loaded from
/// the session on first use; their events are stored as they happen (<see cref="CallEventRecord"/>),
/// and a room loaded after a restart is rebuilt from them (<see cref="Room.Replay"/>), with nobody connected.
/// A room is let go of when its last connection leaves, since loading it again gives the same room;
/// so the server holds only the calls someone is in, however many calls it has served.
/// </summary>
public sealed partial class RoomRegistry(RoomLeases leases, ILogger<RoomRegistry> log)
{
    private readonly ConcurrentDictionary<Guid, RoomHandle> _rooms = new();
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();

    public int Count => _rooms.Count;

    public void Track(HubCallerContext context) => _connections[context.ConnectionId] = context;

    public void Forget(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>Drops a connection another device has replaced.</summary>
    public void Abort(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var context))
        {
            context.Abort();
        }
    }

    /// <summary>
    /// The room of a session of this school, loading it if needed: refused when there is no such
    /// session, or while another instance holds the room (<see cref="RoomLease"/>).
    /// </summary>
    public async Task<RoomOpening> OpenAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        if (_rooms.TryGetValue(sessionId, out var handle))
        {
            return handle.Room.Facts.SchoolId == schoolId ? new RoomOpening.Opened(handle) : new RoomOpening.NoSuchSession();
        }
        var facts = await LoadFactsAsync(db, schoolId, sessionId, ct);
        if (facts is null)
        {
            return new RoomOpening.NoSuchSession();
        }
        switch (await leases.TakeAsync(db, schoolId, sessionId, ct))
        {
            case RoomLeases.MarkingDidNotAttend:
                return new RoomOpening.BeingEnded();
            case { } holder:
                HeldElsewhere(log, sessionId, holder);
                return new RoomOpening.HeldElsewhere();
        }
        // Read again under the lease: a session ended (marked as not attended) between the facts'
        // reading and the lease's taking does not open as if it were still to run.
        facts = facts with { Status = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId && s.SchoolId == schoolId).Select(s => s.Status).FirstAsync(ct) };
        // A room this server has not held yet may have run before a restart: it carries on from its stored events.
        var stored = (await db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == sessionId && e.SchoolId == schoolId).ToListAsync(ct))
            .OrderBy(e => e.At).ThenBy(e => e.Sequence).ToList();
        var last = stored.Count > 0 ? stored.Max(e => e.Sequence) : 0;
        return new RoomOpening.Opened(_rooms.GetOrAdd(sessionId, _ => new RoomHandle(Room.Replay(facts, stored.Select(e => e.ToRoomEvent()))) { LastSequence = last }));
    }

    /// <summary>The rooms this instance holds now, by school and session.</summary>
    public IReadOnlyCollection<(Guid SchoolId, Guid SessionId)> Held() =>
        _rooms.Select(r => (r.Value.Room.Facts.SchoolId, r.Key)).ToList();

    /// <summary>
    /// Lets go of <paramref name="handle"/>'s room, and its lease, if nobody is connected to it;
    /// call without its gate. The lease goes before the room leaves the registry, so a join that
    /// loads the room again here takes a lease this cannot then delete.
    /// </summary>
    public async Task LetGoIfEmptyAsync(ChaperoneDbContext db, RoomHandle handle)
    {
        await handle.Gate.WaitAsync();
        try
        {
            if (!handle.LetGo && handle.Room.Empty)
            {
                handle.LetGo = true;
                try
                {
                    await leases.ReleaseAsync(db, handle.Room.Facts.SessionId, CancellationToken.None);
                }
                finally
                {
                    _rooms.TryRemove(new KeyValuePair<Guid, RoomHandle>(handle.Room.Facts.SessionId, handle));
                }
            }
        }
        finally
        {
            handle.Gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The room of session {Session} is held by another instance ({Holder}): route every connection of a call to one instance (the room parameter of /hubs/call).")]
    private static partial void HeldElsewhere(ILogger log, Guid session, string holder);

    public RoomHandle? Find(Guid sessionId) => _rooms.TryGetValue(sessionId, out var handle) ? handle : null;

    /// <summary>The facts of a session's call in the built-in room (null for a Teams session unless <paramref name="builtInOnly"/> is false: its family's page asks consent in the same words).</summary>
    public static async Task<RoomFacts?> LoadFactsAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct, bool builtInOnly = true)
    {
        var session = await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId && s.SchoolId == schoolId)
            .Select(s => new { s.Id, s.TeacherId, s.Start, s.End, s.Status, s.Provider }).FirstOrDefaultAsync(ct);
        if (session is null || (builtInOnly && session.Provider != CallProviders.BuiltIn))
        {
            return null;
        }
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == session.TeacherId && u.SchoolId == schoolId).Select(u => u.Name).FirstAsync(ct);
        var pupils = await db.SessionPupils.AsNoTracking().Where(sp => sp.SessionId == sessionId && sp.SchoolId == schoolId)
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new RoomPupil(p.Id, p.Name)).ToListAsync(ct);
        var pupilIds = pupils.Select(p => p.Id).ToList();
        var invited = await db.SessionGuardians.AsNoTracking().Where(sg => sg.SessionId == sessionId && sg.SchoolId == schoolId)
            .Join(db.Guardians, sg => sg.GuardianId, g => g.Id, (sg, g) => new { g.Id, g.Name, g.Relationship, g.HasParentalResponsibility }).ToListAsync(ct);
        var invitedIds = invited.Select(g => g.Id).ToList();
        // Whose children each guardian's are, among the session's pupils: they bring, supervise and consent for those (clause 1).
        var links = (await db.PupilGuardians.AsNoTracking()
                .Where(l => l.SchoolId == schoolId && invitedIds.Contains(l.GuardianId) && pupilIds.Contains(l.PupilId))
                .Select(l => new { l.GuardianId, l.PupilId }).ToListAsync(ct))
            .ToLookup(l => l.GuardianId, l => l.PupilId);
        var guardians = invited.Select(g => new RoomGuardian(g.Id, g.Name, g.Relationship, g.HasParentalResponsibility, [.. links[g.Id]])).ToList();
        // Clause 7: the full expectations at a pupil's first session with this teacher; a reminder afterwards.
        var first = await ExpectationsText.FirstSessionAsync(db, schoolId, session.TeacherId, sessionId, session.Start, pupilIds, ct);
        var settings = await BookingFacts.LoadSettingsAsync(db, schoolId, ct);
        return new RoomFacts(sessionId, schoolId, session.TeacherId, teacher, session.Start, session.End, session.Status, settings, pupils, guardians, first);
    }
}
