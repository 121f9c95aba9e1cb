using Chaperone.Calls;
using Chaperone.Policy;
using Chaperone.Scheduling;

namespace Chaperone.Tests.Calls;

/// <summary>
/// A room rebuilt from its events, as after a server restart: each test acts on a room, keeps the
/// events it made (as the hub stores them), replays them into a new room and checks what it holds
/// and what it then allows.
/// </summary>
public sealed class RoomReplayTests
{
    private static readonly Guid Teacher = Guid.NewGuid();
    private static readonly Guid Pupil = Guid.NewGuid();
    private static readonly Guid Parent = Guid.NewGuid();
    private static readonly Guid Carer = Guid.NewGuid();
    // Wednesday 2 December 2026, 10:00–10:30 London (UTC in winter).
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static readonly RoomFacts Facts = new(Guid.NewGuid(), Guid.NewGuid(), Teacher, "Ms Teacher", Start, Start.AddMinutes(30),
        SessionStatus.Scheduled, PolicySettings.Default, [new RoomPupil(Pupil, "Pat Pupil")],
        [new RoomGuardian(Parent, "Pam Parent", "Mother", true, [Pupil]), new RoomGuardian(Carer, "Cal Carer", "Foster carer", false, [Pupil])], true);

    private static readonly Declaration Everything = new([Pupil], true, [.. Chaperone.Families.FamilyChecklist.Items.Select(i => i.Key)]);

    /// <summary>A room and every event it has made, in order.</summary>
    private sealed class Recorded(RoomFacts facts)
    {
        public Room Room { get; } = new(facts);
        public List<RoomEvent> Events { get; } = [];

        public void Ok(Func<Room, RoomResult> action)
        {
            var done = Assert.IsType<RoomResult.Done>(action(Room));
            Events.AddRange(done.Events);
        }

        /// <summary>What a restarted server rebuilds.</summary>
        public Room Restarted(RoomFacts? facts = null) => Room.Replay(facts ?? Room.Facts, Events);
    }

    private static Refusal Refused(RoomResult result) => Assert.IsType<RoomResult.Refused>(result).Reasons[0];

    private static void Ok(RoomResult result) => Assert.IsType<RoomResult.Done>(result);

    /// <summary>The teacher hosting and the parent admitted, with consent given and confirmed and the checks made, at −5 to −2 minutes.</summary>
    private static Recorded Ready()
    {
        var r = new Recorded(Facts);
        r.Ok(room => room.TeacherJoin(Teacher, "t", Start.AddMinutes(-5)));
        r.Ok(room => room.FamilyJoin(Parent, "f", Start.AddMinutes(-5)));
        r.Ok(room => room.Declare(Parent, Everything, Start.AddMinutes(-5)));
        r.Ok(room => room.Admit(Parent, Start.AddMinutes(-4)));
        r.Ok(room => room.GiveConsent(Parent, Start.AddMinutes(-3)));
        r.Ok(room => room.ConfirmConsent(Parent, Start.AddMinutes(-2)));
        r.Ok(room => room.ConfirmRoom(Start.AddMinutes(-2)));
        r.Ok(room => room.ConfirmDress(Start.AddMinutes(-2)));
        return r;
    }

    /// <summary>Everything of a room that outlives its connections, in words, so two rooms compare and a difference reads plainly.</summary>
    private static string Durable(Room room) => string.Join("\n",
        [
            $"phase {room.Phase}",
            $"consents {string.Join(";", room.Consents.Select(c => $"{c.GuardianName} for {string.Join(",", c.PupilIds)} at {c.GivenAt:O} confirmed {c.ConfirmedAt:O}: {c.Text}"))}",
            $"pupils at start {string.Join(",", room.PupilsAtStart)}",
            $"checked room {room.RoomCheckedAt:O} dress {room.DressCheckedAt:O} expectations {room.ExpectationsConfirmedAt:O}",
            $"started {room.StartedAt:O} family ended {room.FamilyEndedAt:O} closed {room.ClosedAt:O}",
            $"lapse {room.SupervisionLapse} teacher muted {room.TeacherMuted}",
            .. room.Families.Values.OrderBy(f => f.Guardian.Id).Select(f =>
                $"{f.Guardian.Name}: {f.Place}, muted {f.Muted}, declared {(f.Declaration is { } d ? $"{string.Join(",", d.PupilIds)} stays {d.StaysThroughout} ticked {string.Join(",", d.Checklist)}" : "nothing")}"),
        ]);

    [Fact]
    public void ReplayingTheEventsAfterEveryActionGivesTheLiveRoomsStateWithNobodyConnected()
    {
        var r = new Recorded(Facts);
        var steps = new List<Func<Room, RoomResult>>
        {
            room => room.TeacherJoin(Teacher, "t", Start.AddMinutes(-5)),
            room => room.FamilyJoin(Parent, "f", Start.AddMinutes(-5)),
            room => room.FamilyJoin(Carer, "c", Start.AddMinutes(-5)),
            room => room.Declare(Parent, Everything, Start.AddMinutes(-5)),
            room => room.Declare(Carer, new Declaration([Pupil], false, ["shared-room"]), Start.AddMinutes(-5)),
            room => room.Admit(Parent, Start.AddMinutes(-4)),
            room => room.Admit(Carer, Start.AddMinutes(-4)),
            room => room.GiveConsent(Parent, Start.AddMinutes(-3)),
            room => room.ConfirmConsent(Parent, Start.AddMinutes(-2)),
            room => room.ConfirmRoom(Start.AddMinutes(-2)),
            room => room.ConfirmDress(Start.AddMinutes(-2)),
            room => room.FamilyJoin(Parent, "f2", Start.AddMinutes(-1)),
            room => room.Start(Start),
            room => room.ConfirmExpectations(Start.AddMinutes(1)),
            room => room.Mute(Parent, true, Start.AddMinutes(2)),
            room => room.Mute(null, true, Start.AddMinutes(2)),
            room => room.Lapse(true, Start.AddMinutes(3)),
            room => room.TeacherLeft("t", Start.AddMinutes(4)),
            room => room.TeacherJoin(Teacher, "t2", Start.AddMinutes(5)),
            room => room.Admit(Parent, Start.AddMinutes(5)),
            room => room.Lapse(false, Start.AddMinutes(6)),
            room => room.Mute(Parent, false, Start.AddMinutes(7)),
            room => room.FamilyLeft(Parent, "f2", Start.AddMinutes(8)),
            room => room.FamilyJoin(Parent, "f3", Start.AddMinutes(8)),
            // An unknown person with the carer: the call ends for every family, and the teacher closes.
            room => room.RemoveUnknownPerson(Carer, Start.AddMinutes(9)),
            room => room.FamilyLeft(Parent, "f3", Start.AddMinutes(10)),
            room => room.Close(Start.AddMinutes(21)),
        };
        foreach (var step in steps)
        {
            r.Ok(step);
            var replayed = r.Restarted();
            Assert.Equal(Durable(r.Room), Durable(replayed));
            Assert.Null(replayed.TeacherConnectionId);
            Assert.All(replayed.Families.Values, f => Assert.False(f.Connected));
        }
        Assert.Equal(RoomPhase.Ended, r.Restarted().Phase);
    }

    [Fact]
    public void AConsentStoredBeforeConsentsWerePerChildStillCoversEveryPupilOfTheSession()
    {
        var sibling = Guid.NewGuid();
        var facts = Facts with
        {
            Pupils = [.. Facts.Pupils, new RoomPupil(sibling, "Sid Sibling")],
            Guardians = [Facts.Guardians[0] with { PupilIds = [Pupil, sibling] }, Facts.Guardians[1]],
        };
        // As stored then: no children named with the consent, no guardian named with its confirmation.
        var events = new[]
        {
            RoomEvent.Of(RoomEvents.Opened, $"teacher:{Teacher}", Start.AddMinutes(-5)),
            RoomEvent.Of(RoomEvents.Joined, $"guardian:{Parent}", Start.AddMinutes(-5), ("name", "Pam Parent"), ("place", "Lobby")),
            RoomEvent.Of(RoomEvents.ConsentGiven, $"guardian:{Parent}", Start.AddMinutes(-3), ("guardian", "Pam Parent"), ("relationship", "Mother"),
                ("parentalResponsibility", "yes"), ("version", ConsentText.Version), ("text", "I, Pam Parent, have parental responsibility for Pat Pupil and Sid Sibling.")),
            RoomEvent.Of(RoomEvents.ConsentConfirmed, $"teacher:{Teacher}", Start.AddMinutes(-2), ("guardian", "Pam Parent")),
        };
        var room = Room.Replay(facts, events);
        var consent = Assert.Single(room.Consents);
        Assert.Equal([Pupil, sibling], consent.PupilIds);
        Assert.Equal(Start.AddMinutes(-2), consent.ConfirmedAt);
        Assert.Same(consent, room.ConfirmedConsentFor(sibling));
    }

    [Fact]
    public void ConsentGivenBeforeARestartStillCountsAndTheCallStartsWithoutAskingAgain()
    {
        var room = Ready().Restarted();
        Assert.Equal(Start.AddMinutes(-2), room.ConsentOf(Parent)?.ConfirmedAt);
        Ok(room.TeacherJoin(Teacher, "t", Start.AddMinutes(-1)));
        Ok(room.FamilyJoin(Parent, "f", Start.AddMinutes(-1)));
        // Back in the call as after a reload: the teacher is there, and the parent had been admitted.
        Assert.Equal(FamilyPlace.InCall, room.Families[Parent].Place);
        Assert.True(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        var started = Assert.Single(Assert.IsType<RoomResult.Done>(room.Start(Start)).Events);
        Assert.Equal(RoomEvents.Started, started.Kind);
        Assert.Equal(Parent.ToString(), started.Data["guardians"]);
    }

    [Fact]
    public void AfterARestartAFamilyBackBeforeTheTeacherWaitsInTheLobby()
    {
        var room = Ready().Restarted();
        var joined = Assert.Single(Assert.IsType<RoomResult.Done>(room.FamilyJoin(Parent, "f", Start.AddMinutes(-1))).Events);
        Assert.Equal(nameof(FamilyPlace.Lobby), joined.Data["place"]);
        Assert.False(room.InCall(Parent.ToString()));
        Ok(room.TeacherJoin(Teacher, "t", Start.AddMinutes(-1)));
        // What they declared is kept, so the teacher lets them straight back in.
        Ok(room.Admit(Parent, Start.AddMinutes(-1)));
        Assert.True(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
    }

    [Fact]
    public void ARecordedCallCarriesOnLiveWithItsLapseAndMutes()
    {
        var r = Ready();
        r.Ok(room => room.Start(Start));
        r.Ok(room => room.Mute(Parent, true, Start.AddMinutes(1)));
        r.Ok(room => room.Lapse(true, Start.AddMinutes(2)));
        var room = r.Restarted();
        Ok(room.TeacherJoin(Teacher, "t", Start.AddMinutes(3)));
        Ok(room.FamilyJoin(Parent, "f", Start.AddMinutes(3)));
        Assert.True(room.Recording);
        Assert.Contains("already started", Refused(room.Start(Start.AddMinutes(3))).Message);
        Assert.True(room.Families[Parent].Muted);
        // The lapse still holds media back until the teacher clears it.
        Assert.False(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        Ok(room.Lapse(false, Start.AddMinutes(4)));
        Assert.True(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        Ok(room.ConfirmExpectations(Start.AddMinutes(4)));
    }

    [Fact]
    public void APersonRemovedBeforeARestartIsStillRefused()
    {
        var r = Ready();
        r.Ok(room => room.Start(Start));
        r.Ok(room => room.RemoveUnknownPerson(Parent, Start.AddMinutes(5)));
        var refusal = Refused(r.Restarted().FamilyJoin(Parent, "again", Start.AddMinutes(6)));
        Assert.Equal((Clauses.TeacherPupilOnly, "removed"), (refusal.Clause, refusal.Rule));
    }

    [Fact]
    public void TheFamilysPartEndedBeforeARestartStaysEndedAndTheTeacherMayClose()
    {
        var r = Ready();
        r.Ok(room => room.Start(Start));
        r.Ok(room => room.EndFamilyPart(Start.AddMinutes(20)));
        var room = r.Restarted();
        Assert.Equal(RoomPhase.FamilyEnded, room.Phase);
        Assert.Equal("ended", Refused(room.FamilyJoin(Parent, "f", Start.AddMinutes(21))).Rule);
        Ok(room.TeacherJoin(Teacher, "t", Start.AddMinutes(21)));
        Ok(room.Close(Start.AddMinutes(22)));
        Assert.Equal(RoomPhase.Ended, room.Phase);
        Assert.True(room.ClosedAt > room.FamilyEndedAt);
    }

    [Fact]
    public void AFamilyThatLeftBeforeARestartHasEndedItsPart()
    {
        var r = Ready();
        r.Ok(room => room.Start(Start));
        r.Ok(room => room.FamilyLeaves(Parent, Start.AddMinutes(20)));
        var room = r.Restarted();
        Assert.Equal(RoomPhase.FamilyEnded, room.Phase);
        Assert.Equal(Start.AddMinutes(20), room.FamilyEndedAt);
        Assert.Equal("ended", Refused(room.FamilyJoin(Parent, "f", Start.AddMinutes(21))).Rule);
    }

    [Fact]
    public void AClosedSessionStaysClosedAfterARestart()
    {
        var r = Ready();
        r.Ok(room => room.Start(Start));
        r.Ok(room => room.EndFamilyPart(Start.AddMinutes(20)));
        r.Ok(room => room.Close(Start.AddMinutes(21)));
        Assert.Equal("closed", Refused(r.Restarted().TeacherJoin(Teacher, "t", Start.AddMinutes(22))).Rule);
        // The database's word settles it, even for events that stop short of the close.
        var ended = Ready().Restarted(Facts with { Status = SessionStatus.Ended });
        Assert.Equal(RoomPhase.Ended, ended.Phase);
        Assert.Equal("closed", Refused(ended.TeacherJoin(Teacher, "t", Start)).Rule);
        Assert.Equal("ended", Refused(ended.FamilyJoin(Parent, "f", Start)).Rule);
    }

    [Fact]
    public void ARoomClosedBeforeItStartedOpensAgainAfterARestart()
    {
        var r = new Recorded(Facts);
        r.Ok(room => room.TeacherJoin(Teacher, "t", Start.AddMinutes(-5)));
        r.Ok(room => room.Close(Start.AddMinutes(-4)));
        var room = r.Restarted();
        Assert.Equal(RoomPhase.Closed, room.Phase);
        var reopened = Assert.IsType<RoomResult.Done>(room.TeacherJoin(Teacher, "t", Start.AddMinutes(-3)));
        Assert.Contains(reopened.Events, e => e.Kind == RoomEvents.Opened);
    }

    [Fact]
    public void EventsTheRoomDidNotMakeAndAnOlderDeviceReplacementAreRead()
    {
        var r = Ready();
        var events = new List<RoomEvent>(r.Events)
        {
            // The teacher's connection dropped without the family's place being stored, then a
            // second device came in on the link: stored before the replacement carried the place.
            RoomEvent.Of(RoomEvents.Left, $"teacher:{Teacher}", Start.AddMinutes(-1)),
            RoomEvent.Of(RoomEvents.DeviceReplaced, $"guardian:{Parent}", Start.AddMinutes(-1)),
            RoomEvent.Of(RoomEvents.RecordingViewed, $"staff:{Guid.NewGuid()}", Start.AddMinutes(-1), ("chunk", "1")),
            RoomEvent.Of(RoomEvents.Outcome, $"teacher:{Teacher}", Start.AddMinutes(-1), ("outcome", "held")),
            RoomEvent.Of(RoomEvents.Joined, $"guardian:{Guid.NewGuid()}", Start.AddMinutes(-1), ("name", "Not invited")),
        };
        var room = Room.Replay(Facts, events);
        Assert.Equal(FamilyPlace.Lobby, room.Families[Parent].Place);
        Assert.Single(room.Families);
        Assert.Equal(RoomPhase.Open, room.Phase);
        Assert.NotNull(room.ConsentOf(Parent)?.ConfirmedAt);
    }
}
