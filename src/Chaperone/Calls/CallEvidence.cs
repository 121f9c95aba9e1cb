using Chaperone.Compliance;
using Chaperone.Pages;
using Chaperone.Policy;

namespace Chaperone.Calls;

/// <summary>
/// Turns what happened in the room into findings per clause, recorded when the teacher closes a
/// session that ran (clauses 1, 3, 4, 5, 6, 7, 9, 10) and when the outcome is marked (clause 11).
/// </summary>
public static class CallEvidence
{
    public const string Stage = "call";
    public const string OutcomeStage = "outcome";

    /// <summary>The rule of the finding that the call never took place (the pupil did not attend): the clauses only a call can meet do not apply.</summary>
    public const string NotHeldRule = "not-held";

    private static EvidenceItem Item(int clause, string rule, bool passed, string text) => new() { Clause = clause, Rule = rule, Passed = passed, Text = text };

    /// <summary>The findings at the close of <paramref name="room"/>, counting what its stored events (kind, actor and time) say happened.</summary>
    public static List<EvidenceItem> AtClose(Room room, IReadOnlyCollection<(string Kind, string Actor, DateTimeOffset At)> stored) =>
        AtClose(room,
            stored.Count(e => e.Kind == RoomEvents.LapseMarked),
            stored.Count(e => e.Kind == RoomEvents.Left && e.Actor.StartsWith("teacher:", StringComparison.Ordinal)),
            stored.Count(e => e.Kind == RoomEvents.UnknownPersonRemoved),
            FamilyLastLeft(stored));

    /// <summary>
    /// When the family's devices had all left the call, from its stored joins and leaves: the last
    /// leaving, or null when a device that joined never left (or none joined). For a call left open
    /// with the family's part never ended, that is as near its end as the record comes.
    /// </summary>
    public static (bool Joined, DateTimeOffset? AllLeftAt) FamilyLastLeft(IEnumerable<(string Kind, string Actor, DateTimeOffset At)> stored)
    {
        var last = stored.Where(e => e.Actor.StartsWith("guardian:", StringComparison.Ordinal) && e.Kind is RoomEvents.Joined or RoomEvents.Left)
            .GroupBy(e => e.Actor)
            .Select(g => g.OrderBy(e => e.At).Last())
            .ToList();
        return (last.Count > 0, last.Count > 0 && last.All(e => e.Kind == RoomEvents.Left) ? last.Max(e => e.At) : null);
    }

    /// <summary>
    /// Clause 3: whether the call, from its start to the end of the family's part (or the close),
    /// kept within the school's hours, in the school's zone. A call left open with the family's part
    /// never ended is judged to the moment its family's last device left; if one never left, it
    /// cannot be shown to have kept within them. None for a call that never started, or one left
    /// open that no family joined.
    /// </summary>
    private static EvidenceItem? KeptToHours(Room room, (bool Joined, DateTimeOffset? AllLeftAt) family)
    {
        if (room.StartedAt is not { } from)
        {
            return null;
        }
        var settings = room.Facts.Settings;
        var leftOpen = (room.FamilyEndedAt ?? room.ClosedAt) is null;
        if ((room.FamilyEndedAt ?? room.ClosedAt ?? family.AllLeftAt) is not { } to)
        {
            return family.Joined
                ? Item(Clauses.SchoolHours, "kept-to-hours", false,
                    $"The call was left open and a family device never left it, so it cannot be shown to have kept within school hours ({LiveSchoolHoursRule.Words(settings, from, from).Hours}).")
                : null;
        }
        var (span, hours) = LiveSchoolHoursRule.Words(settings, from, to);
        var until = leftOpen ? " (to when the family's last device left: the call was left open)" : "";
        return LiveSchoolHoursRule.Kept(settings, from, to)
            ? Item(Clauses.SchoolHours, "kept-to-hours", true, $"The call ran {span}{until}, within school hours ({hours}).")
            : Item(Clauses.SchoolHours, "kept-to-hours", false, $"The call ran {span}{until}, beyond school hours ({hours}).");
    }

    public static List<EvidenceItem> AtClose(Room room, int lapses, int teacherDrops, int unknownPeopleRemoved, (bool Joined, DateTimeOffset? AllLeftAt) family = default)
    {
        var items = new List<EvidenceItem>();
        // Times in the findings are the school's, as the rest of the session's record gives them.
        var zone = room.Facts.Settings.TimeZone;
        string Hm(DateTimeOffset at) => Display.TimeAt(at, zone);
        string Hms(DateTimeOffset? at) => at is { } a ? Display.TimeAtToSecond(a, zone) : "";
        items.Add(ConsentItem(room));
        // Each child present at the start, not just one: with a parent or carer who stayed, in a room whose checklist was ticked.
        var declared = room.Families.Values.Where(f => f.Declaration is not null).Select(f => f.Declaration!).ToList();
        bool EachChild(Func<Declaration, bool> held) => room.PupilsAtStart.Count > 0
            ? room.PupilsAtStart.All(p => declared.Any(d => d.PupilIds.Contains(p) && held(d)))
            : declared.Any(held);
        var stays = EachChild(d => d.StaysThroughout);
        items.Add(Item(Clauses.Consent, "supervision", stays && lapses == 0,
            lapses == 0 ? "The supervising guardian said they would stay throughout; no supervision lapse was marked." : $"{lapses} supervision lapse(s) were marked during the call."));
        items.Add(Item(Clauses.SchoolHours, "hosted", true, teacherDrops == 0
            ? "Hosted by the session's teacher throughout."
            : $"Hosted by the session's teacher; when the teacher's connection dropped ({teacherDrops} time(s)) the family waited in the lobby."));
        if (KeptToHours(room, family) is { } hours)
        {
            items.Add(hours);
        }
        items.Add(Item(Clauses.Participants, "present-at-start", room.StartedAt is not null,
            room.StartedAt is { } started ? $"Teacher, pupil and supervising guardian were present when the session started at {Hm(started)}." : "The session never started."));
        items.Add(Item(Clauses.TeacherPupilOnly, "teacher-pupil-only", unknownPeopleRemoved == 0, unknownPeopleRemoved == 0
            ? "The room offers no text chat or other channel; only the teacher, the pupil and their supervising adult took part, and the teacher held the mute controls."
            : $"The teacher removed {unknownPeopleRemoved} device(s) from the call because an unknown person was present."));
        items.Add(Item(Clauses.ExitOrder, "exit-order", room.FamilyEndedAt is not null && room.ClosedAt >= room.FamilyEndedAt,
            room.ClosedAt is null
                ? $"The call was left open: the teacher did not close the session{(room.FamilyEndedAt is { } ended ? $" after ending the family's part at {Hms(ended)}" : ", nor end the family's part")}."
                : $"The family's part ended at {Hms(room.FamilyEndedAt)}; the teacher closed the session at {Hms(room.ClosedAt)}."));
        items.Add(room.ExpectationsConfirmedAt is { } given
            ? Item(Clauses.Expectations, room.ExpectationsFull ? "expectations-full" : "expectations-brief", true, $"The teacher gave the {(room.ExpectationsFull ? "full expectations (first session with this teacher)" : "brief reminder of the expectations")} at {Hm(given)}.")
            : Item(Clauses.Expectations, "expectations", false, "The teacher did not confirm giving the expectations."));
        var checklist = EachChild(d => d.ChecklistComplete);
        items.Add(Item(Clauses.Environment, "room", checklist && room.RoomCheckedAt is not null,
            checklist ? "The family ticked every room checklist item; the teacher confirmed the room." : "The room checklist was not completed."));
        items.Add(Item(Clauses.Dress, "dress", room.DressCheckedAt is not null,
            room.DressCheckedAt is not null ? "The teacher confirmed everyone was appropriately dressed." : "The dress check was not made."));
        return items;
    }

    /// <summary>
    /// Clause 1: every pupil present at the start was covered by a confirmed consent from a parent of
    /// theirs with parental responsibility; each consent is named (with its children in a group).
    /// </summary>
    private static EvidenceItem ConsentItem(Room room)
    {
        var present = room.PupilsAtStart;
        var confirmed = room.Consents.Where(c => c.Confirmed).ToList();
        var uncovered = present.Where(p => room.ConfirmedConsentFor(p) is null).Select(room.Facts.PupilName).ToList();
        var group = room.Facts.Pupils.Count > 1;
        if (confirmed.Count == 0)
        {
            return Item(Clauses.Consent, "consent", false, "No confirmed consent is on record.");
        }
        var given = string.Join("; ", confirmed.Select(c =>
            $"Consent given by {c.GuardianName} ({c.Relationship}, parental responsibility)"
            + (group ? $" for {string.Join(" and ", c.PupilIds.Select(room.Facts.PupilName))}" : "")
            + $" at {Display.TimeAt(c.GivenAt, room.Facts.Settings.TimeZone)} and confirmed by the teacher"));
        return uncovered.Count == 0
            ? Item(Clauses.Consent, "consent", true, $"{given}.")
            : Item(Clauses.Consent, "consent", false, $"{given}. No confirmed consent is on record for {string.Join(" and ", uncovered)}.");
    }

    /// <summary>The teacher marked that the pupil did not attend a session whose call never started.</summary>
    public static List<EvidenceItem> NotHeld() =>
        [Item(Clauses.Attendance, NotHeldRule, true, "The teacher marked that the pupil did not attend: the call did not take place.")];

    public static List<EvidenceItem> AtOutcome(string outcome, int joins, int leaves) =>
        [Item(Clauses.Attendance, "attendance", true, $"Attendance recorded from {joins} join(s) and {leaves} leave(s); the teacher marked the outcome '{outcome}'.")];
}
