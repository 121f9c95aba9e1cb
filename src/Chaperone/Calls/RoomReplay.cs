using Chaperone.Scheduling;

namespace Chaperone.Calls;

public sealed partial class Room
{
    /// <summary>
    /// Rebuilds a room from its session's stored events, in their stored order (time, then
    /// sequence), as a server that restarted mid-call finds it. Each event is re-applied for what
    /// it meant when the room made it; events the room did not make (outcome, recording views) are
    /// passed over.
    /// <para>
    /// Durable, from the events: the phase (opened, started and recorded, family's part ended,
    /// closed); each consent given (who, for which children, when, the words) and its confirmation; the room, dress and
    /// expectations confirmations; the start, family-part-ended and close times; a supervision
    /// lapse not yet cleared; the teacher's mute; and per guardian link its place (lobby, in the
    /// call, ended, removed as an unknown person), what it declared and its mute. A session the
    /// database holds as ended stays closed whatever its events say.
    /// </para>
    /// <para>
    /// Not durable: connections. Nobody is connected in a replayed room; each party comes back as
    /// after a reload. The teacher's <see cref="TeacherJoin"/> reopens the room in its replayed
    /// phase; a family device rejoins its place (<see cref="FamilyJoin"/>: to the lobby while the
    /// teacher is away, as ever), and a link that was removed or whose part ended stays out.
    /// </para>
    /// </summary>
    public static Room Replay(RoomFacts facts, IEnumerable<RoomEvent> events)
    {
        var room = new Room(facts);
        // Whether the events say the teacher was connected: only to read a family's place from
        // an event that does not carry it (a device replacement stored before it did).
        var teacherIn = false;
        foreach (var e in events)
        {
            var family = GuardianOf(e.Actor) is { } actor ? room.Member(actor) : null;
            switch (e.Kind)
            {
                case RoomEvents.Opened when room.Phase == RoomPhase.Closed:
                    room.Phase = RoomPhase.Open;
                    break;
                case RoomEvents.Joined or RoomEvents.Left when e.Actor.StartsWith("teacher:", StringComparison.Ordinal):
                    teacherIn = e.Kind == RoomEvents.Joined;
                    break;
                case RoomEvents.Joined or RoomEvents.DeviceReplaced when family is not null:
                    family.Place = PlaceIn(e) ?? (family.Place == FamilyPlace.InCall && !teacherIn ? FamilyPlace.Lobby : family.Place);
                    break;
                case RoomEvents.ToLobby when family is not null:
                    family.Place = FamilyPlace.Lobby;
                    break;
                case RoomEvents.Declared when family is not null:
                    family.Declaration = new Declaration(
                        Ids(e, "pupils"),
                        e.Data.GetValueOrDefault("staysThroughout") == "yes",
                        Listed(e, "checklist"));
                    break;
                case RoomEvents.Admitted when room.Named(e, "guardian") is { } admitted:
                    admitted.Place = FamilyPlace.InCall;
                    break;
                case RoomEvents.ConsentGiven when family is not null:
                    // A consent stored before consents were per child was the one consent for every pupil of the session.
                    room.Given(new ConsentRecord(family.Guardian.Id, e.Data.GetValueOrDefault("guardian") ?? family.Guardian.Name,
                        e.Data.GetValueOrDefault("relationship") ?? family.Guardian.Relationship,
                        e.Data.ContainsKey("pupils") ? Ids(e, "pupils") : [.. facts.Pupils.Select(p => p.Id)],
                        e.At, e.Data.GetValueOrDefault("text") ?? "", null));
                    break;
                case RoomEvents.ConsentConfirmed:
                    // One stored before consents were per child confirmed the one consent there was.
                    for (var i = 0; i < room._consents.Count; i++)
                    {
                        if (!e.Data.TryGetValue("guardianId", out var confirmed) || confirmed == room._consents[i].GuardianId.ToString())
                        {
                            room._consents[i] = room._consents[i] with { ConfirmedAt = e.At };
                        }
                    }
                    break;
                case RoomEvents.RoomChecked:
                    room.RoomCheckedAt = e.At;
                    break;
                case RoomEvents.DressChecked:
                    room.DressCheckedAt = e.At;
                    break;
                case RoomEvents.ExpectationsGiven:
                    room.ExpectationsConfirmedAt = e.At;
                    break;
                case RoomEvents.Started:
                    room.Phase = RoomPhase.Live;
                    room.StartedAt = e.At;
                    room.PupilsAtStart = Ids(e, "pupils");
                    break;
                case RoomEvents.Muted or RoomEvents.Unmuted:
                    var muted = e.Kind == RoomEvents.Muted;
                    if (e.Data.GetValueOrDefault("who") == RoomParty.Teacher)
                    {
                        room.TeacherMuted = muted;
                    }
                    else if (room.Named(e, "who") is { } who)
                    {
                        who.Muted = muted;
                    }
                    break;
                case RoomEvents.LapseMarked or RoomEvents.LapseCleared:
                    room.SupervisionLapse = e.Kind == RoomEvents.LapseMarked;
                    break;
                case RoomEvents.UnknownPersonRemoved when room.Named(e, "guardian") is { } removed:
                    removed.Place = FamilyPlace.Removed;
                    break;
                case RoomEvents.FamilyExited when family is not null:
                    family.Place = FamilyPlace.Ended;
                    break;
                case RoomEvents.FamilyPartEnded:
                    if (room.Phase == RoomPhase.Live)
                    {
                        room.Phase = RoomPhase.FamilyEnded;
                    }
                    room.FamilyEndedAt = e.At;
                    break;
                case RoomEvents.Closed:
                    var started = e.Data.TryGetValue("started", out var s) ? s == "yes" : room.StartedAt is not null;
                    room.Phase = started ? RoomPhase.Ended : RoomPhase.Closed;
                    room.ClosedAt = e.At;
                    break;
            }
        }
        if (facts.Status == SessionStatus.Ended)
        {
            room.Phase = RoomPhase.Ended;
        }
        return room;
    }

    /// <summary>The guardian link an actor names (<c>guardian:{id}</c>), if any.</summary>
    private static Guid? GuardianOf(string actor) =>
        actor.StartsWith("guardian:", StringComparison.Ordinal) && Guid.TryParse(actor.AsSpan("guardian:".Length), out var id) ? id : null;

    /// <summary>The room's place for a guardian link invited to the session (made as its first join made it); null for anyone else.</summary>
    private FamilyMember? Member(Guid guardianId)
    {
        if (Families.TryGetValue(guardianId, out var family))
        {
            return family;
        }
        if (Facts.Guardian(guardianId) is not { } guardian)
        {
            return null;
        }
        return Families[guardianId] = new FamilyMember(guardian);
    }

    /// <summary>The guardian link an event's <paramref name="key"/> names by id.</summary>
    private FamilyMember? Named(RoomEvent e, string key) =>
        Guid.TryParse(e.Data.GetValueOrDefault(key), out var id) ? Member(id) : null;

    private static FamilyPlace? PlaceIn(RoomEvent e) =>
        Enum.TryParse<FamilyPlace>(e.Data.GetValueOrDefault("place"), out var place) && Enum.IsDefined(place) ? place : null;

    private static List<Guid> Ids(RoomEvent e, string key) =>
        [.. Listed(e, key).Select(p => Guid.TryParse(p, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty)];

    private static List<string> Listed(RoomEvent e, string key) =>
        [.. (e.Data.GetValueOrDefault(key) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)];
}
