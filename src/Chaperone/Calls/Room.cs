namespace Chaperone.Calls;

public enum RoomPhase
{
    /// <summary>The teacher has not opened the room (or has closed it without starting).</summary>
    Closed,
    /// <summary>The teacher is hosting; the family waits in the lobby until admitted.</summary>
    Open,
    /// <summary>The session has started and is recorded.</summary>
    Live,
    /// <summary>The teacher ended the family's part; the teacher may now close the session.</summary>
    FamilyEnded,
    /// <summary>The teacher closed the session.</summary>
    Ended,
}

public enum FamilyPlace
{
    Lobby,
    InCall,
    /// <summary>Their part is over: they left, or the teacher ended it.</summary>
    Ended,
    /// <summary>The teacher removed the device because an unknown person was in the call.</summary>
    Removed,
}

/// <summary>What a guardian states on joining: who is present, that they stay throughout, and the room checklist.</summary>
public sealed record Declaration(IReadOnlyList<Guid> PupilIds, bool StaysThroughout, IReadOnlyList<string> Checklist)
{
    public bool ChecklistComplete => Chaperone.Families.FamilyChecklist.Items.All(i => Checklist.Contains(i.Key));
}

/// <summary>
/// One guardian's consent as given in the family's client, for their own children on the session
/// (<see cref="PupilIds"/>), and then confirmed by the teacher (clause 1).
/// </summary>
public sealed record ConsentRecord(Guid GuardianId, string GuardianName, string Relationship, IReadOnlyList<Guid> PupilIds, DateTimeOffset GivenAt, string Text, DateTimeOffset? ConfirmedAt)
{
    public bool Confirmed => ConfirmedAt is not null;
}

/// <summary>One guardian link's place in the room. One device per link: <see cref="ConnectionId"/> is the current one.</summary>
public sealed class FamilyMember(RoomGuardian guardian)
{
    public RoomGuardian Guardian { get; } = guardian;
    public FamilyPlace Place { get; set; } = FamilyPlace.Lobby;
    public string? ConnectionId { get; set; }
    public bool Connected => ConnectionId is not null;
    public Declaration? Declaration { get; set; }
    public bool Muted { get; set; }
}

/// <summary>Something that happened in the room, to be stored with its time (attendance, consent, checks, controls).</summary>
public sealed record RoomEvent(string Kind, string Actor, DateTimeOffset At, IReadOnlyDictionary<string, string> Data)
{
    public static RoomEvent Of(string kind, string actor, DateTimeOffset at, params (string Key, string Value)[] data) =>
        new(kind, actor, at, data.ToDictionary(d => d.Key, d => d.Value));
}

/// <summary>The outcome of an action on the room: the events it produced, or why it was refused.</summary>
public abstract record RoomResult
{
    public sealed record Done(IReadOnlyList<RoomEvent> Events, string? ReplacedConnection = null) : RoomResult;
    public sealed record Refused(IReadOnlyList<Refusal> Reasons) : RoomResult
    {
        public string Message => string.Join(" ", Reasons.Select(r => r.Message));
    }

    public static Refused No(Refusal refusal) => new([refusal]);
}

/// <summary>
/// The live room of one session: who is where, what has been given and checked, and the phase of
/// the call. Plain code with no I/O: every action takes the time and returns the events to store,
/// or the clause that refuses it. Callers serialise access (one action at a time per room).
/// A room that outlives its server is rebuilt from its stored events (<see cref="Replay"/>).
/// </summary>
public sealed partial class Room(RoomFacts facts)
{
    public RoomFacts Facts { get; } = facts;
    public RoomPhase Phase { get; private set; } = RoomPhase.Closed;
    public string? TeacherConnectionId { get; private set; }
    public bool TeacherConnected => TeacherConnectionId is not null;

    /// <summary>Nobody is connected: the room is as <see cref="Replay"/> would rebuild it from its events.</summary>
    public bool Empty => !TeacherConnected && Families.Values.All(f => !f.Connected);
    public Dictionary<Guid, FamilyMember> Families { get; } = [];

    /// <summary>The consents given, one per guardian (a later one from the same guardian replaces theirs), in the order given.</summary>
    public IReadOnlyList<ConsentRecord> Consents => _consents;
    private readonly List<ConsentRecord> _consents = [];

    /// <summary>The pupils present when the session started (clause 4).</summary>
    public IReadOnlyList<Guid> PupilsAtStart { get; private set; } = [];
    public DateTimeOffset? RoomCheckedAt { get; private set; }
    public DateTimeOffset? DressCheckedAt { get; private set; }
    public DateTimeOffset? ExpectationsConfirmedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FamilyEndedAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    public bool SupervisionLapse { get; private set; }
    public bool TeacherMuted { get; private set; }
    public bool Recording => Phase == RoomPhase.Live;
    public bool ExpectationsFull => Facts.FirstSessionWithTeacher;

    private string Teacher => $"teacher:{Facts.TeacherId}";
    private static string Family(Guid guardianId) => $"guardian:{guardianId}";

    private static RoomResult.Done Done(params RoomEvent[] events) => new(events);

    /// <summary>The host teacher opens (or, after a drop or reload, rejoins) the room.</summary>
    public RoomResult TeacherJoin(Guid staffId, string connectionId, DateTimeOffset now)
    {
        if (HostOnlyRule.Check(Facts, staffId) is { } notHost)
        {
            return RoomResult.No(notHost);
        }
        if (Phase == RoomPhase.Ended)
        {
            return RoomResult.No(new(Policy.Clauses.ExitOrder, "closed", "This session has been closed."));
        }
        if (Phase == RoomPhase.Closed && OpeningWindowRule.Check(Facts, now) is { } window)
        {
            return RoomResult.No(window);
        }
        var replaced = TeacherConnectionId;
        TeacherConnectionId = connectionId;
        var events = new List<RoomEvent>();
        if (Phase == RoomPhase.Closed)
        {
            Phase = RoomPhase.Open;
            events.Add(RoomEvent.Of(RoomEvents.Opened, Teacher, now));
        }
        if (replaced is null)
        {
            events.Add(RoomEvent.Of(RoomEvents.Joined, Teacher, now, ("name", Facts.TeacherName)));
        }
        return new RoomResult.Done(events, replaced);
    }

    /// <summary>
    /// The teacher's connection is gone. Nobody supervises, so everyone in the call goes back to
    /// the lobby (clause 3): a pupil is never alone in the room.
    /// </summary>
    public RoomResult TeacherLeft(string connectionId, DateTimeOffset now)
    {
        if (connectionId != TeacherConnectionId)
        {
            return Done();
        }
        TeacherConnectionId = null;
        var events = new List<RoomEvent> { RoomEvent.Of(RoomEvents.Left, Teacher, now, ("name", Facts.TeacherName)) };
        foreach (var family in Families.Values.Where(f => f.Place == FamilyPlace.InCall))
        {
            family.Place = FamilyPlace.Lobby;
            events.Add(RoomEvent.Of(RoomEvents.ToLobby, Family(family.Guardian.Id), now, ("reason", "teacher-dropped")));
        }
        return new RoomResult.Done(events);
    }

    /// <summary>A guardian's device arrives from their link. A second device on the same link replaces the first.</summary>
    public RoomResult FamilyJoin(Guid guardianId, string connectionId, DateTimeOffset now)
    {
        if (Facts.Guardian(guardianId) is not { } guardian)
        {
            return RoomResult.No(new(Policy.Clauses.Participants, "invited", "This link is not for this session."));
        }
        if (OpeningWindowRule.Check(Facts with { Status = Scheduling.SessionStatus.Scheduled }, now) is { } window && Phase == RoomPhase.Closed)
        {
            return RoomResult.No(window);
        }
        // A device removed for an unknown person is told so, whatever became of the call after.
        if (Families.TryGetValue(guardianId, out var known) && known.Place == FamilyPlace.Removed)
        {
            return RoomResult.No(new(Policy.Clauses.TeacherPupilOnly, "removed", "The teacher ended your part of this call."));
        }
        if (Phase is RoomPhase.Ended or RoomPhase.FamilyEnded)
        {
            return RoomResult.No(new(Policy.Clauses.ExitOrder, "ended", "This call has finished."));
        }
        if (!Families.TryGetValue(guardianId, out var family))
        {
            family = new FamilyMember(guardian);
            Families[guardianId] = family;
        }
        if (family.Place == FamilyPlace.Ended)
        {
            return RoomResult.No(new(Policy.Clauses.ExitOrder, "ended", "Your part of this call has finished."));
        }
        var replaced = family.ConnectionId;
        family.ConnectionId = connectionId;
        if (!TeacherConnected && family.Place == FamilyPlace.InCall)
        {
            family.Place = FamilyPlace.Lobby;
        }
        var events = new List<RoomEvent>();
        if (replaced is not null)
        {
            events.Add(RoomEvent.Of(RoomEvents.DeviceReplaced, Family(guardianId), now, ("place", family.Place.ToString())));
        }
        else
        {
            events.Add(RoomEvent.Of(RoomEvents.Joined, Family(guardianId), now, ("name", guardian.Name), ("place", family.Place.ToString())));
        }
        return new RoomResult.Done(events, replaced);
    }

    /// <summary>A family device's connection is gone (closed tab, network). Their place is kept, so a reload rejoins it.</summary>
    public RoomResult FamilyLeft(Guid guardianId, string connectionId, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || family.ConnectionId != connectionId)
        {
            return Done();
        }
        family.ConnectionId = null;
        return Done(RoomEvent.Of(RoomEvents.Left, Family(guardianId), now, ("name", family.Guardian.Name)));
    }

    /// <summary>The guardian says who is present, that they stay throughout (clause 1), and ticks the room checklist (clause 9).</summary>
    public RoomResult Declare(Guid guardianId, Declaration declaration, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || !family.Connected)
        {
            return RoomResult.No(new(Policy.Clauses.Participants, "joined", "Join the call first."));
        }
        if (OwnChildrenRule.Check(Facts, family.Guardian, declaration.PupilIds) is { } notTheirs)
        {
            return RoomResult.No(notTheirs);
        }
        var pupils = declaration.PupilIds.Distinct().ToList();
        var checklist = declaration.Checklist.Where(k => Chaperone.Families.FamilyChecklist.Items.Any(i => i.Key == k)).Distinct().ToList();
        family.Declaration = new Declaration(pupils, declaration.StaysThroughout, checklist);
        return Done(RoomEvent.Of(RoomEvents.Declared, Family(guardianId), now,
            ("pupils", string.Join(",", pupils)),
            ("staysThroughout", declaration.StaysThroughout ? "yes" : "no"),
            ("checklist", string.Join(",", checklist))));
    }

    /// <summary>The teacher lets a family device in from the lobby; they must have said who is there first.</summary>
    public RoomResult Admit(Guid guardianId, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || !family.Connected || family.Place != FamilyPlace.Lobby)
        {
            return RoomResult.No(new(Policy.Clauses.Participants, "in-lobby", "Nobody from that link is waiting in the lobby."));
        }
        if (family.Declaration is null)
        {
            return RoomResult.No(new(Policy.Clauses.Consent, "declared", $"{family.Guardian.Name} has not yet said who is present."));
        }
        family.Place = FamilyPlace.InCall;
        return Done(RoomEvent.Of(RoomEvents.Admitted, Teacher, now, ("guardian", family.Guardian.Id.ToString())));
    }

    /// <summary>A guardian gives consent in the family's client; the exact words shown are stored (clause 1).</summary>
    public RoomResult GiveConsent(Guid guardianId, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || !family.Connected)
        {
            return RoomResult.No(new(Policy.Clauses.Consent, "joined", "Join the call first."));
        }
        if (ConsentRule.Check(Facts, family.Guardian) is { } refusal)
        {
            return RoomResult.No(refusal);
        }
        var text = ConsentText.For(Facts, family.Guardian);
        var pupils = Facts.PupilsOf(family.Guardian).Select(p => p.Id).ToList();
        Given(new ConsentRecord(guardianId, family.Guardian.Name, family.Guardian.Relationship, pupils, now, text, null));
        return Done(RoomEvent.Of(RoomEvents.ConsentGiven, Family(guardianId), now, ConsentText.EventData(Facts, family.Guardian, ConsentText.InCall)));
    }

    /// <summary>The teacher confirms the consent <paramref name="guardianId"/> gave, as shown on the console.</summary>
    public RoomResult ConfirmConsent(Guid guardianId, DateTimeOffset now)
    {
        var index = _consents.FindIndex(c => c.GuardianId == guardianId);
        if (index < 0)
        {
            return RoomResult.No(new(Policy.Clauses.Consent, "consent-given", "That parent or carer has not given consent."));
        }
        _consents[index] = _consents[index] with { ConfirmedAt = now };
        return Done(RoomEvent.Of(RoomEvents.ConsentConfirmed, Teacher, now, ("guardian", _consents[index].GuardianName), ("guardianId", guardianId.ToString())));
    }

    /// <summary>The consent of the guardian, if they have given it.</summary>
    public ConsentRecord? ConsentOf(Guid guardianId) => Consents.FirstOrDefault(c => c.GuardianId == guardianId);

    /// <summary>The confirmed consent that covers <paramref name="pupilId"/>, if any.</summary>
    public ConsentRecord? ConfirmedConsentFor(Guid pupilId) => Consents.LastOrDefault(c => c.Confirmed && c.PupilIds.Contains(pupilId));

    private void Given(ConsentRecord consent)
    {
        _consents.RemoveAll(c => c.GuardianId == consent.GuardianId);
        _consents.Add(consent);
    }

    public RoomResult ConfirmRoom(DateTimeOffset now)
    {
        RoomCheckedAt = now;
        return Done(RoomEvent.Of(RoomEvents.RoomChecked, Teacher, now));
    }

    public RoomResult ConfirmDress(DateTimeOffset now)
    {
        DressCheckedAt = now;
        return Done(RoomEvent.Of(RoomEvents.DressChecked, Teacher, now));
    }

    /// <summary>The teacher confirms the expectations were given, in the version shown (clause 7).</summary>
    public RoomResult ConfirmExpectations(DateTimeOffset now)
    {
        if (Phase != RoomPhase.Live)
        {
            return RoomResult.No(new(Policy.Clauses.Expectations, "live", "Give the expectations once the session has started."));
        }
        ExpectationsConfirmedAt = now;
        // The words given are kept with the event: the school may word them differently later.
        return Done(RoomEvent.Of(RoomEvents.ExpectationsGiven, Teacher, now, ("version", ExpectationsFull ? "full" : "brief"),
            ("text", ExpectationsText.For(Facts.Settings, ExpectationsFull))));
    }

    /// <summary>The teacher starts the session (and its recording) once everything clause 1, 4, 9 and 10 ask for is in place.</summary>
    public RoomResult Start(DateTimeOffset now)
    {
        if (Phase != RoomPhase.Open)
        {
            return RoomResult.No(new(Policy.Clauses.Participants, "open", Phase == RoomPhase.Live ? "The session has already started." : "The room is not open."));
        }
        IReadOnlyList<Refusal> missing = LiveSchoolHoursRule.CheckStart(Facts, now) is { } hours ? [hours, .. StartRule.Check(this)] : StartRule.Check(this);
        if (missing.Count > 0)
        {
            return new RoomResult.Refused(missing);
        }
        Phase = RoomPhase.Live;
        StartedAt = now;
        var present = Families.Values.Where(f => f.Place == FamilyPlace.InCall && f.Connected).ToList();
        PupilsAtStart = [.. present.SelectMany(f => f.Declaration!.PupilIds).Distinct()];
        return Done(RoomEvent.Of(RoomEvents.Started, Teacher, now,
            ("guardians", string.Join(",", present.Select(f => f.Guardian.Id))),
            ("pupils", string.Join(",", PupilsAtStart))));
    }

    /// <summary>The teacher mutes (or unmutes) a family device or themself (clause 5: the teacher holds the mute controls).</summary>
    public RoomResult Mute(Guid? guardianId, bool muted, DateTimeOffset now)
    {
        if (guardianId is null)
        {
            TeacherMuted = muted;
            return Done(RoomEvent.Of(muted ? RoomEvents.Muted : RoomEvents.Unmuted, Teacher, now, ("who", "teacher")));
        }
        if (!Families.TryGetValue(guardianId.Value, out var family))
        {
            return RoomResult.No(new(Policy.Clauses.TeacherPupilOnly, "in-call", "Nobody from that link is in the call."));
        }
        family.Muted = muted;
        return Done(RoomEvent.Of(muted ? RoomEvents.Muted : RoomEvents.Unmuted, Teacher, now, ("who", guardianId.Value.ToString())));
    }

    /// <summary>The teacher marks (or clears) a supervision lapse: media pauses for everyone until it is cleared (clause 1).</summary>
    public RoomResult Lapse(bool lapsed, DateTimeOffset now)
    {
        if (Phase is not (RoomPhase.Open or RoomPhase.Live))
        {
            return RoomResult.No(new(Policy.Clauses.Consent, "live", "The call is not running."));
        }
        SupervisionLapse = lapsed;
        return Done(RoomEvent.Of(lapsed ? RoomEvents.LapseMarked : RoomEvents.LapseCleared, Teacher, now));
    }

    /// <summary>
    /// An unknown person is in the call: the teacher removes that device for good and the call ends
    /// for every family at once (DESIGN: an unknown person in the call ends it), as
    /// <see cref="EndFamilyPart"/> would, so that nobody else's child stays in a call an unknown
    /// person has seen; the teacher then closes the session, and a safeguarding concern follows (clause 12).
    /// </summary>
    public RoomResult RemoveUnknownPerson(Guid guardianId, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || family.Place is FamilyPlace.Ended or FamilyPlace.Removed)
        {
            return RoomResult.No(new(Policy.Clauses.TeacherPupilOnly, "in-call", "Nobody from that link is in the call."));
        }
        family.Place = FamilyPlace.Removed;
        var events = new List<RoomEvent> { RoomEvent.Of(RoomEvents.UnknownPersonRemoved, Teacher, now, ("guardian", guardianId.ToString())) };
        if (EndFamilyPart(now) is RoomResult.Done ended)
        {
            events.AddRange(ended.Events);
        }
        return new RoomResult.Done(events);
    }

    /// <summary>The family leaves the call themselves (pupils exit first, clause 6).</summary>
    public RoomResult FamilyLeaves(Guid guardianId, DateTimeOffset now)
    {
        if (!Families.TryGetValue(guardianId, out var family) || family.Place is FamilyPlace.Ended or FamilyPlace.Removed)
        {
            return Done();
        }
        family.Place = FamilyPlace.Ended;
        var events = new List<RoomEvent> { RoomEvent.Of(RoomEvents.FamilyExited, Family(guardianId), now, ("name", family.Guardian.Name)) };
        if (Phase == RoomPhase.Live && Families.Values.All(f => f.Place is FamilyPlace.Ended or FamilyPlace.Removed || !f.Connected))
        {
            Phase = RoomPhase.FamilyEnded;
            FamilyEndedAt = now;
            events.Add(RoomEvent.Of(RoomEvents.FamilyPartEnded, Family(guardianId), now));
        }
        return new RoomResult.Done(events);
    }

    /// <summary>The teacher ends the family's part of the call: every family device leaves (clause 6).</summary>
    public RoomResult EndFamilyPart(DateTimeOffset now)
    {
        if (Phase is RoomPhase.Closed or RoomPhase.Ended)
        {
            return RoomResult.No(new(Policy.Clauses.ExitOrder, "open", "The room is not open."));
        }
        var events = new List<RoomEvent>();
        foreach (var family in Families.Values.Where(f => f.Place is FamilyPlace.InCall or FamilyPlace.Lobby))
        {
            family.Place = FamilyPlace.Ended;
            events.Add(RoomEvent.Of(RoomEvents.FamilyExited, Family(family.Guardian.Id), now, ("name", family.Guardian.Name)));
        }
        if (Phase == RoomPhase.Live)
        {
            Phase = RoomPhase.FamilyEnded;
        }
        FamilyEndedAt = now;
        events.Add(RoomEvent.Of(RoomEvents.FamilyPartEnded, Teacher, now));
        return new RoomResult.Done(events);
    }

    /// <summary>The teacher closes the session, only once the family's part has ended (clause 6).</summary>
    public RoomResult Close(DateTimeOffset now)
    {
        if (Phase is RoomPhase.Closed or RoomPhase.Ended)
        {
            return RoomResult.No(new(Policy.Clauses.ExitOrder, "open", "The room is not open."));
        }
        if (ExitOrderRule.Check(this) is { } refusal)
        {
            return RoomResult.No(refusal);
        }
        var started = StartedAt is not null;
        Phase = started ? RoomPhase.Ended : RoomPhase.Closed;
        ClosedAt = now;
        return Done(RoomEvent.Of(RoomEvents.Closed, Teacher, now, ("started", started ? "yes" : "no")));
    }

    /// <summary>Whether these two parties may exchange media now: both in the call, the teacher present, no lapse.</summary>
    public bool MayConnect(string from, string to) =>
        TeacherConnected && !SupervisionLapse && Phase is RoomPhase.Open or RoomPhase.Live && InCall(from) && InCall(to) && from != to;

    /// <summary>Whether this party is in the call (the teacher, or an admitted family device).</summary>
    public bool InCall(string party) => party == RoomParty.Teacher
        ? TeacherConnected
        : Guid.TryParse(party, out var id) && Families.TryGetValue(id, out var f) && f.Connected && f.Place == FamilyPlace.InCall;
}

/// <summary>How parties are named in signalling: the teacher, or a guardian link's id.</summary>
public static class RoomParty
{
    public const string Teacher = "teacher";
}

/// <summary>The kinds of room event stored.</summary>
public static class RoomEvents
{
    public const string Opened = "opened";
    public const string Joined = "joined";
    public const string Left = "left";
    public const string DeviceReplaced = "device-replaced";
    public const string ToLobby = "to-lobby";
    public const string Declared = "declared";
    public const string Admitted = "admitted";
    public const string ConsentGiven = "consent-given";
    public const string ConsentConfirmed = "consent-confirmed";
    public const string RoomChecked = "room-checked";
    public const string DressChecked = "dress-checked";
    public const string ExpectationsGiven = "expectations-given";
    public const string Started = "started";
    public const string Muted = "muted";
    public const string Unmuted = "unmuted";
    public const string LapseMarked = "supervision-lapse";
    public const string LapseCleared = "supervision-resumed";
    public const string UnknownPersonRemoved = "unknown-person-removed";
    public const string FamilyExited = "family-exited";
    public const string FamilyPartEnded = "family-part-ended";
    public const string Closed = "closed";
    public const string Outcome = "outcome";
    public const string RefusedMessage = "refused-message";
    public const string RecordingViewed = "recording-viewed";
}
