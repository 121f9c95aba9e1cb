using Chaperone.Calls;
using Chaperone.Policy;
using Chaperone.Scheduling;

namespace Chaperone.Tests.Calls;

/// <summary>The room's rules as plain code: each test drives the state machine with explicit times.</summary>
public sealed class RoomRuleTests
{
    private static readonly Guid Teacher = Guid.NewGuid();
    private static readonly Guid Pupil = Guid.NewGuid();
    private static readonly Guid Parent = Guid.NewGuid();
    private static readonly Guid Carer = Guid.NewGuid();
    // Wednesday 2 December 2026, 10:00–10:30 London (UTC in winter).
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static Room NewRoom(bool first = true, PolicySettings? settings = null) => new(new RoomFacts(Guid.NewGuid(), Guid.NewGuid(), Teacher, "Ms Teacher", Start, Start.AddMinutes(30),
        SessionStatus.Scheduled, settings ?? PolicySettings.Default, [new RoomPupil(Pupil, "Pat Pupil")],
        [new RoomGuardian(Parent, "Pam Parent", "Mother", true, [Pupil]), new RoomGuardian(Carer, "Cal Carer", "Foster carer", false, [Pupil])], first));

    private static readonly Declaration Everything = new([Pupil], true, [.. Chaperone.Families.FamilyChecklist.Items.Select(i => i.Key)]);

    private static void Ok(RoomResult result) => Assert.IsType<RoomResult.Done>(result);

    private static Refusal Refused(RoomResult result) => Assert.IsType<RoomResult.Refused>(result).Reasons[0];

    /// <summary>A room (<paramref name="room"/>, or a new one) with the teacher, and the parent admitted with everything declared.</summary>
    private static Room Ready(DateTimeOffset at, PolicySettings? settings = null, Room? room = null)
    {
        room ??= NewRoom(settings: settings);
        Ok(room.TeacherJoin(Teacher, "t", at));
        Ok(room.FamilyJoin(Parent, "f", at));
        Ok(room.Declare(Parent, Everything, at));
        Ok(room.Admit(Parent, at));
        Ok(room.GiveConsent(Parent, at));
        Ok(room.ConfirmConsent(Parent, at));
        Ok(room.ConfirmRoom(at));
        Ok(room.ConfirmDress(at));
        return room;
    }

    [Fact]
    public void ACarerWithoutParentalResponsibilityIsShownNoWordsToConsentToButToldWhoseConsentIsAskedUnderClause1()
    {
        var room = NewRoom();
        Ok(room.FamilyJoin(Carer, "c", Start));
        Ok(room.FamilyJoin(Parent, "p", Start));

        var carer = RoomViews.ForFamily(room, room.Families[Carer]);
        Assert.False(carer.CanConsent);
        Assert.Equal("", carer.ConsentText); // not "I, Cal Carer, have parental responsibility for…"
        Assert.Equal("You are invited to supervise Pat Pupil throughout the call. Consent for it is given at the start by a parent or carer with parental responsibility for Pat Pupil, not by you, so you will not be asked for it.",
            carer.ConsentNote);
        var parent = RoomViews.ForFamily(room, room.Families[Parent]);
        Assert.True(parent.CanConsent);
        Assert.StartsWith("I, Pam Parent, have parental responsibility for Pat Pupil.", parent.ConsentText, StringComparison.Ordinal);
        Assert.Null(parent.ConsentNote);
    }

    [Fact]
    public void OnlyTheSessionsTeacherOpensTheRoomUnderClause3()
    {
        var refusal = Refused(NewRoom().TeacherJoin(Guid.NewGuid(), "x", Start));
        Assert.Equal((3, "host-only"), (refusal.Clause, refusal.Rule));
    }

    [Fact]
    public void TheRoomOpensTenMinutesBeforeTheStartAndNotBefore()
    {
        Assert.Equal("too-early", Refused(NewRoom().TeacherJoin(Teacher, "t", Start.AddMinutes(-11))).Rule);
        Ok(NewRoom().TeacherJoin(Teacher, "t", Start.AddMinutes(-10)));
    }

    [Fact]
    public void TheRoomNeverOpensOutsideSchoolHours()
    {
        var early = new RoomFacts(Guid.NewGuid(), Guid.NewGuid(), Teacher, "T", Start.AddHours(-1), Start.AddMinutes(-30), SessionStatus.Scheduled,
            PolicySettings.Default, [], [], true); // 09:00–09:30
        Assert.Equal("school-hours", Refused(new Room(early).TeacherJoin(Teacher, "t", Start.AddHours(-1).AddMinutes(-5))).Rule);
    }

    [Fact]
    public void ACancelledSessionsRoomNeverOpens() =>
        Assert.Equal("cancelled", Refused(new Room(NewRoom().Facts with { Status = SessionStatus.Cancelled }).TeacherJoin(Teacher, "t", Start)).Rule);

    [Fact]
    public void AFamilyWaitsInTheLobbyAndIsAdmittedOnlyAfterSayingWhoIsPresent()
    {
        var room = NewRoom();
        Ok(room.TeacherJoin(Teacher, "t", Start));
        Ok(room.FamilyJoin(Parent, "f", Start));
        Assert.Equal(FamilyPlace.Lobby, room.Families[Parent].Place);
        Assert.False(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        Assert.Equal("declared", Refused(room.Admit(Parent, Start)).Rule);
        Ok(room.Declare(Parent, Everything, Start));
        Ok(room.Admit(Parent, Start));
        Assert.True(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
    }

    [Fact]
    public void ACarerWithoutParentalResponsibilityCannotConsentUnderClause1()
    {
        var room = NewRoom();
        Ok(room.FamilyJoin(Carer, "c", Start));
        var refusal = Refused(room.GiveConsent(Carer, Start));
        Assert.Equal((1, "parental-responsibility"), (refusal.Clause, refusal.Rule));
    }

    [Fact]
    public void ConsentIsStoredWithWhoWhenAndTheExactWordsShown()
    {
        var room = NewRoom();
        Ok(room.FamilyJoin(Parent, "f", Start));
        var done = Assert.IsType<RoomResult.Done>(room.GiveConsent(Parent, Start));
        var consent = Assert.Single(done.Events);
        Assert.Equal(RoomEvents.ConsentGiven, consent.Kind);
        Assert.Equal(ConsentText.For(room.Facts, room.Facts.Guardian(Parent)!), consent.Data["text"]);
        Assert.Equal("Pam Parent", consent.Data["guardian"]);
        Assert.Equal(Start, consent.At);
    }

    [Fact]
    public void TheSessionCannotStartUntilEveryoneIsPresentAndConsentIsConfirmed()
    {
        var room = NewRoom();
        Ok(room.TeacherJoin(Teacher, "t", Start));
        var refused = Assert.IsType<RoomResult.Refused>(room.Start(Start));
        Assert.Contains(refused.Reasons, r => r.Rule == "pupil-present" && r.Clause == 4);
        Assert.Contains(refused.Reasons, r => r.Rule == "consent-given" && r.Clause == 1);
        Assert.Contains(refused.Reasons, r => r.Rule == "dress-check" && r.Clause == 10);

        room = Ready(Start);
        Ok(room.Start(Start));
        Assert.Equal(RoomPhase.Live, room.Phase);
        Assert.True(room.Recording);
    }

    private static readonly Guid OtherPupil = Guid.NewGuid();
    private static readonly Guid OtherParent = Guid.NewGuid();

    /// <summary>A small group: Pat with Pam Parent, and Olly with Oona Other, each family on its own device, both admitted and the teacher's checks made.</summary>
    private static Room Group(Declaration? oonas = null)
    {
        var room = new Room(new RoomFacts(Guid.NewGuid(), Guid.NewGuid(), Teacher, "Ms Teacher", Start, Start.AddMinutes(30), SessionStatus.Scheduled, PolicySettings.Default,
            [new RoomPupil(Pupil, "Pat Pupil"), new RoomPupil(OtherPupil, "Olly Other")],
            [new RoomGuardian(Parent, "Pam Parent", "Mother", true, [Pupil]), new RoomGuardian(OtherParent, "Oona Other", "Mother", true, [OtherPupil])], true));
        Ok(room.TeacherJoin(Teacher, "t", Start));
        Ok(room.FamilyJoin(Parent, "p", Start));
        Ok(room.FamilyJoin(OtherParent, "o", Start));
        Ok(room.Declare(Parent, Everything, Start));
        Ok(room.Declare(OtherParent, oonas ?? Everything with { PupilIds = [OtherPupil] }, Start));
        Ok(room.Admit(Parent, Start));
        Ok(room.Admit(OtherParent, Start));
        Ok(room.ConfirmRoom(Start));
        Ok(room.ConfirmDress(Start));
        return room;
    }

    [Fact]
    public void AParentSaysOnlyTheirOwnChildrenAreWithThemUnderClause1()
    {
        var room = Group();
        var refusal = Refused(room.Declare(Parent, Everything with { PupilIds = [Pupil, OtherPupil] }, Start));
        Assert.Equal((1, "own-children"), (refusal.Clause, refusal.Rule));
        Assert.Equal("Olly Other must join with their own parent or carer: Pam Parent is not linked to them on the school's records.", refusal.Message);
        Assert.Equal("That pupil is not on this session.", Refused(room.Declare(Parent, Everything with { PupilIds = [Guid.NewGuid()] }, Start)).Message);
        // What she said before stands.
        Assert.Equal([Pupil], room.Families[Parent].Declaration!.PupilIds);
    }

    [Fact]
    public void InASmallGroupEachChildNeedsTheirOwnParentsConsentConfirmedBeforeTheStart()
    {
        var room = Group();
        Ok(room.GiveConsent(Parent, Start));
        var pams = Assert.Single(room.Consents);
        Assert.Equal([Pupil], pams.PupilIds);
        Assert.StartsWith("I, Pam Parent, have parental responsibility for Pat Pupil. ", pams.Text);
        Assert.DoesNotContain("Olly", pams.Text);
        Ok(room.ConfirmConsent(Parent, Start));

        var refused = Assert.IsType<RoomResult.Refused>(room.Start(Start));
        Assert.Equal(["A parent with parental responsibility for Olly Other must give consent."], refused.Reasons.Select(r => r.Message));
        Assert.Equal("consent-given", Refused(room.ConfirmConsent(OtherParent, Start)).Rule);
        Ok(room.GiveConsent(OtherParent, Start));
        Assert.Equal(["The teacher must confirm Oona Other's consent."], Assert.IsType<RoomResult.Refused>(room.Start(Start)).Reasons.Select(r => r.Message));
        var confirmed = Assert.Single(Assert.IsType<RoomResult.Done>(room.ConfirmConsent(OtherParent, Start)).Events);
        Assert.Equal(OtherParent.ToString(), confirmed.Data["guardianId"]);

        Ok(room.Start(Start));
        Assert.Equal([Pupil, OtherPupil], room.PupilsAtStart);
        var consent = CallEvidence.AtClose(room, 0, 0, 0).Single(i => i.Rule == "consent");
        Assert.True(consent.Passed, consent.Text);
        Assert.Contains("Pam Parent (Mother, parental responsibility) for Pat Pupil", consent.Text);
        Assert.Contains("Oona Other (Mother, parental responsibility) for Olly Other", consent.Text);
    }

    [Fact]
    public void InASmallGroupEachChildIsWithAParentWhoStaysInARoomWhoseChecklistIsTicked()
    {
        var room = Group(new Declaration([OtherPupil], false, ["shared-room"]));
        Ok(room.GiveConsent(Parent, Start));
        Ok(room.GiveConsent(OtherParent, Start));
        Ok(room.ConfirmConsent(Parent, Start));
        Ok(room.ConfirmConsent(OtherParent, Start));

        var refused = Assert.IsType<RoomResult.Refused>(room.Start(Start));
        Assert.Equal([("supervised", "Olly Other must be with a parent or carer who says they will stay for the whole call."),
            ("room-checklist", "The family with Olly Other must tick every item of the room checklist.")],
            refused.Reasons.Select(r => (r.Rule, r.Message)));
        Ok(room.Declare(OtherParent, Everything with { PupilIds = [OtherPupil] }, Start));
        Ok(room.Start(Start));
    }

    [Fact]
    public void UnconfirmedConsentStillStopsTheStart()
    {
        var room = NewRoom();
        Ok(room.TeacherJoin(Teacher, "t", Start));
        Ok(room.FamilyJoin(Parent, "f", Start));
        Ok(room.Declare(Parent, Everything, Start));
        Ok(room.Admit(Parent, Start));
        Ok(room.GiveConsent(Parent, Start));
        Ok(room.ConfirmRoom(Start));
        Ok(room.ConfirmDress(Start));
        Assert.Equal("consent-confirmed", Refused(room.Start(Start)).Rule);
    }

    [Fact]
    public void WhenTheTeacherDropsTheFamilyGoesBackToTheLobby()
    {
        var room = Ready(Start);
        Ok(room.Start(Start));
        var done = Assert.IsType<RoomResult.Done>(room.TeacherLeft("t", Start.AddMinutes(5)));
        Assert.Contains(done.Events, e => e.Kind == RoomEvents.ToLobby);
        Assert.Equal(FamilyPlace.Lobby, room.Families[Parent].Place);
        Assert.False(room.MayConnect(Parent.ToString(), RoomParty.Teacher));
    }

    [Fact]
    public void ASecondDeviceOnTheSameLinkReplacesTheFirst()
    {
        var room = NewRoom();
        Ok(room.FamilyJoin(Parent, "first", Start));
        var done = Assert.IsType<RoomResult.Done>(room.FamilyJoin(Parent, "second", Start));
        Assert.Equal("first", done.ReplacedConnection);
        Assert.Equal("second", room.Families[Parent].ConnectionId);
        // The first device's late disconnect does not take the second one out.
        Ok(room.FamilyLeft(Parent, "first", Start));
        Assert.True(room.Families[Parent].Connected);
    }

    [Fact]
    public void AReloadRejoinsThePlaceInTheCall()
    {
        var room = Ready(Start);
        Ok(room.FamilyLeft(Parent, "f", Start));
        Ok(room.FamilyJoin(Parent, "f2", Start));
        Assert.Equal(FamilyPlace.InCall, room.Families[Parent].Place);
    }

    [Fact]
    public void TheTeacherClosesOnlyAfterTheFamilysPartHasEndedUnderClause6()
    {
        var room = Ready(Start);
        Ok(room.Start(Start));
        var refusal = Refused(room.Close(Start.AddMinutes(20)));
        Assert.Equal((6, "family-first"), (refusal.Clause, refusal.Rule));
        Ok(room.EndFamilyPart(Start.AddMinutes(20)));
        Ok(room.Close(Start.AddMinutes(21)));
        Assert.Equal(RoomPhase.Ended, room.Phase);
        Assert.True(room.ClosedAt > room.FamilyEndedAt);
    }

    /// <summary>A room for 14:30–15:00 London on the same Wednesday, everyone ready at <paramref name="at"/>.</summary>
    private static Room ReadyLate(DateTimeOffset at)
    {
        var late = Start.AddHours(4).AddMinutes(30);
        return Ready(at, room: new Room(NewRoom().Facts with { Start = late, End = late.AddMinutes(30) }));
    }

    private static readonly DateTimeOffset EndOfDay = Start.AddHours(5); // 15:00 London

    [Fact]
    public void ARoomOpenedBeforeTheEndOfSchoolHoursCannotStartItsCallAfterThemUnderClause3()
    {
        var room = ReadyLate(EndOfDay.AddMinutes(-5));

        var refusal = Refused(room.Start(EndOfDay));

        Assert.Equal((3, "school-hours"), (refusal.Clause, refusal.Rule));
        Assert.Contains("09:00–15:00", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(RoomPhase.Open, room.Phase);
        Ok(ReadyLate(EndOfDay.AddMinutes(-5)).Start(EndOfDay.AddMinutes(-1)));
    }

    [Fact]
    public void TheRecordSaysWhetherTheCallKeptWithinSchoolHoursUnderClause3()
    {
        static EvidenceItemView KeptToHours(DateTimeOffset familyEnded)
        {
            var room = ReadyLate(Start.AddHours(4).AddMinutes(29));
            Ok(room.Start(Start.AddHours(4).AddMinutes(31)));
            Ok(room.EndFamilyPart(familyEnded));
            Ok(room.Close(familyEnded.AddMinutes(1)));
            var item = CallEvidence.AtClose(room, 0, 0, 0).Single(i => i.Rule == "kept-to-hours");
            return new(item.Clause, item.Passed, item.Text);
        }

        var onTime = KeptToHours(EndOfDay);
        Assert.Equal((3, true), (onTime.Clause, onTime.Passed));
        Assert.Equal("The call ran 14:31–15:00, within school hours (09:00–15:00, Europe/London).", onTime.Text);

        var over = KeptToHours(EndOfDay.AddMinutes(7));
        Assert.Equal((3, false), (over.Clause, over.Passed));
        Assert.Equal("The call ran 14:31–15:07, beyond school hours (09:00–15:00, Europe/London).", over.Text);
    }

    [Fact]
    public void ACallLeftOpenIsJudgedToWhenItsFamilyLastLeftUnderClause3()
    {
        static EvidenceItemView? KeptToHours(params (string Kind, string Actor, DateTimeOffset At)[] family)
        {
            var room = ReadyLate(Start.AddHours(4).AddMinutes(29));
            Ok(room.Start(Start.AddHours(4).AddMinutes(31)));
            // Never ended nor closed: the call was left open.
            var item = CallEvidence.AtClose(room, family).SingleOrDefault(i => i.Rule == "kept-to-hours");
            return item is null ? null : new(item.Clause, item.Passed, item.Text);
        }
        var joined = Start.AddHours(4).AddMinutes(30);
        const string Mother = "guardian:8d3f2a51-64c9-4a8e-9b0e-1f6d2c7a9e01", Father = "guardian:0b6e4c1d-2f7a-4e58-8c3d-9a1b5e6f7d02";

        var beforeTheEnd = KeptToHours((RoomEvents.Joined, Mother, joined), (RoomEvents.Left, Mother, EndOfDay.AddMinutes(-2)));
        Assert.Equal((3, true), (beforeTheEnd!.Clause, beforeTheEnd.Passed));
        Assert.Equal("The call ran 14:31–14:58 (to when the family's last device left: the call was left open), within school hours (09:00–15:00, Europe/London).", beforeTheEnd.Text);

        // The last device to leave counts, and a device that came back counts from its last leaving.
        var late = KeptToHours((RoomEvents.Joined, Mother, joined), (RoomEvents.Joined, Father, joined), (RoomEvents.Left, Mother, EndOfDay.AddMinutes(-10)),
            (RoomEvents.Left, Father, EndOfDay.AddMinutes(-9)), (RoomEvents.Joined, Father, EndOfDay.AddMinutes(-8)), (RoomEvents.Left, Father, EndOfDay.AddMinutes(4)));
        Assert.Equal((3, false), (late!.Clause, late.Passed));
        Assert.StartsWith("The call ran 14:31–15:04 (to when the family's last device left", late.Text, StringComparison.Ordinal);

        var neverLeft = KeptToHours((RoomEvents.Joined, Mother, joined), (RoomEvents.Left, Mother, EndOfDay.AddMinutes(-10)), (RoomEvents.Joined, Mother, EndOfDay.AddMinutes(-5)));
        Assert.Equal((3, false), (neverLeft!.Clause, neverLeft.Passed));
        Assert.Equal("The call was left open and a family device never left it, so it cannot be shown to have kept within school hours (09:00–15:00, Europe/London).", neverLeft.Text);

        Assert.Null(KeptToHours((RoomEvents.Joined, "teacher:5c1e7b2a-3d4f-4a6b-8c9d-0e1f2a3b4c05", joined)));
    }

    [Fact]
    public void ACallThatNeverStartedSaysNothingOfItsHours()
    {
        var room = ReadyLate(EndOfDay.AddMinutes(-5));
        Assert.DoesNotContain(CallEvidence.AtClose(room, 0, 0, 0), i => i.Rule == "kept-to-hours");
    }

    private sealed record EvidenceItemView(int Clause, bool Passed, string Text);

    [Fact]
    public void ASupervisionLapsePausesMediaUntilCleared()
    {
        var room = Ready(Start);
        Ok(room.Start(Start));
        Ok(room.Lapse(true, Start));
        Assert.False(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        Ok(room.Lapse(false, Start));
        Assert.True(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
    }

    [Fact]
    public void TheCallStartsOnlyWithTheSchoolsMinimumOfParticipantsPresent()
    {
        // A school that asks for four: the teacher, the pupil and two supervising adults.
        var room = Ready(Start, PolicySettings.Default with { MinimumParticipants = 4 });
        var refusal = Refused(room.Start(Start));
        Assert.Equal((Clauses.Participants, "minimum-participants"), (refusal.Clause, refusal.Rule));
        Assert.Contains("at least 4", refusal.Message, StringComparison.Ordinal);

        Ok(room.FamilyJoin(Carer, "c", Start));
        Ok(room.Declare(Carer, Everything, Start));
        Ok(room.Admit(Carer, Start));
        Ok(room.Start(Start));
        // The policy's own three are met by the teacher, the pupil and one adult.
        Ok(Ready(Start).Start(Start));
    }

    [Fact]
    public void RemovingAnUnknownPersonEndsThatDevicesPartForGood()
    {
        var room = Ready(Start);
        Ok(room.RemoveUnknownPerson(Parent, Start));
        Assert.Equal("removed", Refused(room.FamilyJoin(Parent, "again", Start)).Rule);
    }

    [Fact]
    public void AnUnknownPersonInASmallGroupEndsTheCallForEveryFamilyAndTheTeacherThenCloses()
    {
        var room = Group();
        Ok(room.GiveConsent(Parent, Start));
        Ok(room.GiveConsent(OtherParent, Start));
        Ok(room.ConfirmConsent(Parent, Start));
        Ok(room.ConfirmConsent(OtherParent, Start));
        Ok(room.Start(Start));

        var done = Assert.IsType<RoomResult.Done>(room.RemoveUnknownPerson(OtherParent, Start.AddMinutes(3)));
        Assert.Equal([RoomEvents.UnknownPersonRemoved, RoomEvents.FamilyExited, RoomEvents.FamilyPartEnded], done.Events.Select(e => e.Kind));
        Assert.Equal((FamilyPlace.Ended, FamilyPlace.Removed), (room.Families[Parent].Place, room.Families[OtherParent].Place));
        Assert.Equal(RoomPhase.FamilyEnded, room.Phase);
        Assert.False(room.MayConnect(RoomParty.Teacher, Parent.ToString()));
        Assert.Equal("ended", Refused(room.FamilyJoin(Parent, "again", Start.AddMinutes(4))).Rule);
        Ok(room.Close(Start.AddMinutes(4)));
        Assert.Equal(RoomPhase.Ended, room.Phase);
    }

    [Fact]
    public void TheFullExpectationsAreShownAtTheFirstSessionAndTheReminderAfter()
    {
        Assert.True(NewRoom(first: true).ExpectationsFull);
        Assert.False(NewRoom(first: false).ExpectationsFull);
        var room = Ready(Start);
        Assert.Equal("live", Refused(room.ConfirmExpectations(Start)).Rule);
        Ok(room.Start(Start));
        var e = Assert.Single(Assert.IsType<RoomResult.Done>(room.ConfirmExpectations(Start)).Events);
        Assert.Equal("full", e.Data["version"]);
        // The words given are kept with the event.
        Assert.Equal(PolicySettings.DefaultExpectationsFull, e.Data["text"]);
    }
}
