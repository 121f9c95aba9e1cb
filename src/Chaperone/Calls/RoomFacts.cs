using Chaperone.Policy;
using Chaperone.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>A pupil booked on the session.</summary>
public sealed record RoomPupil(Guid Id, string Name);

/// <summary>
/// A guardian invited to the session, with the session's pupils they are linked to: they bring
/// and supervise only those, and, holding parental responsibility, consent for those (clause 1).
/// </summary>
public sealed record RoomGuardian(Guid Id, string Name, string Relationship, bool HasParentalResponsibility, IReadOnlyList<Guid> PupilIds);

/// <summary>
/// What the room needs to know about its session, loaded once when the room opens: who may
/// host, who may join, when, and under which school's settings.
/// </summary>
public sealed record RoomFacts(
    Guid SessionId,
    Guid SchoolId,
    Guid TeacherId,
    string TeacherName,
    DateTimeOffset Start,
    DateTimeOffset End,
    SessionStatus Status,
    PolicySettings Settings,
    IReadOnlyList<RoomPupil> Pupils,
    IReadOnlyList<RoomGuardian> Guardians,
    bool FirstSessionWithTeacher)
{
    public RoomGuardian? Guardian(Guid id) => Guardians.FirstOrDefault(g => g.Id == id);

    /// <summary>The session's pupils <paramref name="guardian"/> is linked to, in the session's order.</summary>
    public IReadOnlyList<RoomPupil> PupilsOf(RoomGuardian guardian) => [.. Pupils.Where(p => guardian.PupilIds.Contains(p.Id))];

    public string PupilName(Guid id) => Pupils.FirstOrDefault(p => p.Id == id)?.Name ?? "A pupil";
}

/// <summary>The words shown to a guardian when they consent; stored exactly as shown (clause 1).</summary>
public static class ConsentText
{
    public const string Version = "consent-v1";

    /// <summary>How consent was given (the event's <c>how</c>): on the guardian's own device in the built-in room's call.</summary>
    public const string InCall = "in-call";

    /// <summary>How consent was given: on the guardian's page for a Teams session, before joining its meeting (Teams cannot ask it).</summary>
    public const string OnFamilyPage = "family-page";

    /// <summary>The consent event's details, in the room and on a Teams session's family page alike.</summary>
    public static (string Key, string Value)[] EventData(RoomFacts facts, RoomGuardian guardian, string how) =>
    [
        ("guardian", guardian.Name), ("relationship", guardian.Relationship), ("parentalResponsibility", "yes"),
        ("pupils", string.Join(",", facts.PupilsOf(guardian).Select(p => p.Id))), ("version", Version), ("text", For(facts, guardian)), ("how", how),
    ];

    /// <summary>The words for <paramref name="guardian"/>, naming only their own children: in a small group each family consents for its own.</summary>
    public static string For(RoomFacts facts, RoomGuardian guardian)
    {
        var own = facts.PupilsOf(guardian);
        var pupils = string.Join(" and ", own.Select(p => p.Name));
        return $"I, {guardian.Name}, have parental responsibility for {pupils}. I consent to this video call with {facts.TeacherName}, which is recorded by the school. "
            + $"I will stay with {pupils} throughout the call, let {(own.Count == 1 ? "them" : "the children")} do the talking, and answer if the teacher speaks to me.";
    }
}

/// <summary>The expectations the teacher outlines (clause 7), in the school's words: in full at a pupil's first session with that teacher, briefly afterwards.</summary>
public static class ExpectationsText
{
    public static string For(Policy.PolicySettings settings, bool first) => first ? settings.ExpectationsFull : settings.ExpectationsBrief;

    /// <summary>
    /// Clause 7: whether a session is a first session with its teacher, so the expectations are given
    /// in full: while any of its pupils has not yet had a call with this teacher before it (a sibling
    /// joining for the first time hears them in full). A call counts once held: started in the room,
    /// or in Teams with its outcome marked; a session the pupil did not attend does not count. The
    /// console and the family's page both ask this, so what the family is told is what the teacher
    /// is shown.
    /// </summary>
    public static async Task<bool> FirstSessionAsync(Storage.ChaperoneDbContext db, Guid schoolId, Guid teacherId, Guid sessionId, DateTimeOffset start,
        IReadOnlyCollection<Guid> pupilIds, CancellationToken ct)
    {
        var ids = pupilIds as List<Guid> ?? [.. pupilIds];
        var seen = await db.SessionPupils.AsNoTracking()
            .Where(sp => sp.SchoolId == schoolId && ids.Contains(sp.PupilId) && sp.SessionId != sessionId && sp.Start < start)
            .Join(db.Sessions.Where(s => s.SchoolId == schoolId && s.TeacherId == teacherId && s.Status == SessionStatus.Ended
                    && db.Set<CallEventRecord>().Any(e => e.SessionId == s.Id && e.SchoolId == schoolId
                        && (e.Kind == RoomEvents.Started || (e.Kind == RoomEvents.Outcome && !e.Data.Contains(RecordOutcome.DidNotAttend))))),
                sp => sp.SessionId, s => s.Id, (sp, s) => sp.PupilId)
            .Distinct().CountAsync(ct);
        return seen < ids.Count;
    }
}
