using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Infrastructure;

namespace Chaperone.Records;

/// <summary>One stretch of a participant's presence in the call; <see cref="Left"/> is null while (or if never seen) leaving.</summary>
public sealed record Stay(DateTimeOffset Joined, DateTimeOffset? Left);

/// <summary>A participant of the call and each time they joined and left (clause 11). <see cref="Role"/>: teacher, guardian or uninvited.</summary>
public sealed record Presence(string Name, string Role, IReadOnlyList<Stay> Stays);

/// <summary>
/// Consent as given (clause 1): who, for which children, when, how, in which words, and when the
/// teacher confirmed it in the call. <see cref="PupilIds"/> is empty for a consent stored before
/// consents were per child, which was for every pupil of the session.
/// </summary>
/// <param name="How">How it was given: <see cref="ConsentText.InCall"/> (also every consent stored before this was kept) or <see cref="ConsentText.OnFamilyPage"/>.</param>
public sealed record ConsentFact(string GuardianName, string Relationship, bool ParentalResponsibility, DateTimeOffset GivenAt, DateTimeOffset? ConfirmedAt, string Version, string Text,
    string GuardianId, IReadOnlyList<string> PupilIds, string How = ConsentText.InCall)
{
    public bool Covers(string pupilId) => PupilIds.Count == 0 || PupilIds.Contains(pupilId);

    /// <summary>The consent of <paramref name="consents"/> that covered <paramref name="pupilId"/>: the newest of theirs, confirmed first.</summary>
    public static ConsentFact? For(IReadOnlyList<ConsentFact> consents, string pupilId) =>
        consents.LastOrDefault(c => c.ConfirmedAt is not null && c.Covers(pupilId)) ?? consents.LastOrDefault(c => c.Covers(pupilId));
}

/// <summary>The expectations the teacher gave (clause 7): the full version or the brief reminder.</summary>
/// <param name="Text">The words given; empty for a call held before they were kept.</param>
public sealed record ExpectationsFact(string Version, DateTimeOffset GivenAt, string Text);

/// <summary>The outcome and notes the teacher recorded after the call (clause 11); the newest counts.</summary>
/// <param name="Confirmed">What the teacher of a Teams call confirmed with it (<see cref="Calls.RecordOutcome.TeamsChecksFor"/> keys); empty for the built-in room.</param>
public sealed record OutcomeFact(string Outcome, string Notes, DateTimeOffset RecordedAt, IReadOnlyList<string> Confirmed);

/// <summary>One checklist answer: a family's declaration on joining, or the teacher's room or dress check (clauses 1, 9, 10).</summary>
public sealed record ChecklistFact(string Who, string What, DateTimeOffset At, IReadOnlyList<string> Items);

/// <summary>One step of the call's ending (clause 6): a family device leaving, the family's part ending, the session closed.</summary>
public sealed record ExitStep(string Who, string What, DateTimeOffset At);

/// <summary>
/// One use of the teacher's controls during the call (clauses 1 and 5): a supervision lapse marked
/// or over, an unknown person's device removed, someone muted or unmuted. <see cref="Who"/> names
/// the device it was about (empty for a lapse, which is the whole call's).
/// </summary>
public sealed record ControlFact(string What, string Who, DateTimeOffset At);

/// <summary>
/// What the stored room events of one session say happened, read once and shared by the session's
/// record and the record of intervention (clauses 1, 6, 7, 9, 10, 11). Pure: no I/O.
/// </summary>
public sealed record SessionFacts(
    DateTimeOffset? StartedAt,
    DateTimeOffset? ClosedAt,
    IReadOnlyList<Presence> Attendance,
    IReadOnlyList<ConsentFact> Consents,
    ExpectationsFact? Expectations,
    OutcomeFact? Outcome,
    IReadOnlyList<ChecklistFact> Checklists,
    IReadOnlyList<ExitStep> ExitOrder,
    IReadOnlyList<ControlFact> Controls)
{
    /// <summary>The consent that covered <paramref name="pupilId"/> (<see cref="ConsentFact.For"/>).</summary>
    public ConsentFact? ConsentFor(string pupilId) => ConsentFact.For(Consents, pupilId);

    /// <summary>How long the call ran, from the start to the family's part ending (or the close), when it ran.</summary>
    public TimeSpan? Ran
    {
        get
        {
            var end = ExitOrder.FirstOrDefault(e => e.What == "family-part-ended")?.At ?? ClosedAt;
            return StartedAt is { } s && end is { } e && e >= s ? e - s : null;
        }
    }

    /// <summary>
    /// Reads the facts from a session's events (in their stored order) and its attendance (joins
    /// and leaves from whichever provider ran the call). <paramref name="roleOf"/> names the role of
    /// an attendance participant: teacher, guardian or uninvited.
    /// </summary>
    public static SessionFacts From(IReadOnlyList<CallEventRecord> events, IEnumerable<AttendanceEntry> attendance, Func<string, string> roleOf)
    {
        var consents = new List<ConsentFact>();
        ExpectationsFact? expectations = null;
        OutcomeFact? outcome = null;
        DateTimeOffset? started = null, closed = null;
        var checklists = new List<ChecklistFact>();
        var exits = new List<ExitStep>();
        var controls = new List<ControlFact>();
        string GuardianName(string? id) =>
            attendance.FirstOrDefault(a => a.Participant == $"guardian:{id}" && a.Name.Length > 0)?.Name ?? "A parent or carer's device";
        foreach (var e in events)
        {
            var v = e.Values();
            string Get(string key) => v.GetValueOrDefault(key) ?? "";
            switch (e.Kind)
            {
                case RoomEvents.ConsentGiven:
                    var guardianId = e.Actor.StartsWith("guardian:", StringComparison.Ordinal) ? e.Actor["guardian:".Length..] : "";
                    // A guardian's later consent replaces their earlier one, as in the room.
                    consents.RemoveAll(c => c.GuardianId == guardianId);
                    consents.Add(new ConsentFact(Get("guardian"), Get("relationship"), Get("parentalResponsibility") == "yes", e.At, null, Get("version"), Get("text"),
                        guardianId, [.. Get("pupils").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => Guid.TryParse(p, out var id) ? Ids.Format(id) : p)],
                        Get("how") is { Length: > 0 } how ? how : ConsentText.InCall));
                    break;
                case RoomEvents.ConsentConfirmed:
                    // One stored before consents were per child names no guardian: it confirmed the one consent there was.
                    for (var i = 0; i < consents.Count; i++)
                    {
                        if (v.GetValueOrDefault("guardianId") is not { } confirmedId || Guid.TryParse(confirmedId, out var g) && consents[i].GuardianId == g.ToString())
                        {
                            consents[i] = consents[i] with { ConfirmedAt = e.At };
                        }
                    }
                    break;
                case RoomEvents.ExpectationsGiven:
                    expectations = new ExpectationsFact(Get("version"), e.At, Get("text"));
                    break;
                case RoomEvents.Outcome:
                    var recorded = SessionOutcomes.Read(e);
                    outcome = new OutcomeFact(recorded.Outcome, recorded.Notes, recorded.RecordedAt, recorded.Confirmed);
                    break;
                case RoomEvents.Started:
                    started ??= e.At;
                    break;
                case RoomEvents.Closed:
                    closed = e.At;
                    break;
                case RoomEvents.Declared:
                    var ticked = Get("checklist").Split(',', StringSplitOptions.RemoveEmptyEntries)
                        .Select(k => FamilyChecklist.Items.FirstOrDefault(i => i.Key == k)?.Text ?? k).ToList();
                    if (Get("staysThroughout") == "yes")
                    {
                        ticked.Insert(0, "The parent or carer will stay throughout the call.");
                    }
                    checklists.Add(new ChecklistFact(NameOf(e, attendance), "family-declaration", e.At, ticked));
                    break;
                case RoomEvents.RoomChecked:
                    checklists.Add(new ChecklistFact("Teacher", "room-checked", e.At, ["The teacher confirmed the room (clause 9)."]));
                    break;
                case RoomEvents.DressChecked:
                    checklists.Add(new ChecklistFact("Teacher", "dress-checked", e.At, ["The teacher confirmed everyone was appropriately dressed (clause 10)."]));
                    break;
                case RoomEvents.FamilyExited:
                    exits.Add(new ExitStep(Get("name"), "family-left", e.At));
                    break;
                case RoomEvents.LapseMarked:
                    controls.Add(new ControlFact("supervision-lapse", "", e.At));
                    break;
                case RoomEvents.LapseCleared:
                    controls.Add(new ControlFact("supervision-resumed", "", e.At));
                    break;
                case RoomEvents.UnknownPersonRemoved:
                    controls.Add(new ControlFact("unknown-person-removed", GuardianName(v.GetValueOrDefault("guardian")), e.At));
                    break;
                case RoomEvents.Muted or RoomEvents.Unmuted:
                    controls.Add(new ControlFact(e.Kind, Get("who") == "teacher" ? "Teacher" : GuardianName(v.GetValueOrDefault("who")), e.At));
                    break;
                case RoomEvents.FamilyPartEnded:
                    exits.Add(new ExitStep(e.Actor.StartsWith("teacher:", StringComparison.Ordinal) ? "Teacher" : "Family", "family-part-ended", e.At));
                    break;
            }
        }
        if (closed is { } c)
        {
            exits.Add(new ExitStep("Teacher", "closed", c));
        }
        return new SessionFacts(started, closed, Stays(attendance, roleOf), consents, expectations, outcome, checklists, exits, controls);
    }

    private static string NameOf(CallEventRecord e, IEnumerable<AttendanceEntry> attendance) =>
        attendance.FirstOrDefault(a => a.Participant == e.Actor && a.Name.Length > 0)?.Name ?? "Family";

    /// <summary>Pairs each participant's joins and leaves, in time order, into stays.</summary>
    public static IReadOnlyList<Presence> Stays(IEnumerable<AttendanceEntry> attendance, Func<string, string> roleOf) =>
        attendance.GroupBy(a => a.Participant)
            .Select(g =>
            {
                var stays = new List<Stay>();
                foreach (var a in g.OrderBy(a => a.At))
                {
                    if (a.Change == RoomEvents.Joined)
                    {
                        stays.Add(new Stay(a.At, null));
                    }
                    else if (a.Change == RoomEvents.Left && stays.Count > 0 && stays[^1].Left is null)
                    {
                        stays[^1] = stays[^1] with { Left = a.At };
                    }
                }
                var name = g.Select(a => a.Name).FirstOrDefault(n => n.Length > 0) ?? g.Key;
                return new Presence(name, g.Select(a => a.Role).FirstOrDefault(r => r is not null) ?? roleOf(g.Key), stays);
            })
            .Where(p => p.Stays.Count > 0)
            .OrderBy(p => p.Stays[0].Joined)
            .ToList();
}
