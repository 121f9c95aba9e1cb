using Chaperone.Policy;
using Chaperone.Scheduling;

namespace Chaperone.Calls;

/// <summary>A pupil booked on the session.</summary>
public sealed record RoomPupil(Guid Id, string Name);

/// <summary>A guardian invited to the session; only one with parental responsibility may consent (clause 1).</summary>
public sealed record RoomGuardian(Guid Id, string Name, string Relationship, bool HasParentalResponsibility);

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
}

/// <summary>The words shown to a guardian when they consent; stored exactly as shown (clause 1).</summary>
public static class ConsentText
{
    public const string Version = "consent-v1";

    public static string For(RoomFacts facts, RoomGuardian guardian)
    {
        var pupils = string.Join(" and ", facts.Pupils.Select(p => p.Name));
        return $"I, {guardian.Name}, have parental responsibility for {pupils}. I consent to this video call with {facts.TeacherName}, which is recorded by the school. "
            + $"I will stay with {pupils} throughout the call, let {(facts.Pupils.Count == 1 ? "them" : "the children")} do the talking, and answer if the teacher speaks to me.";
    }
}

/// <summary>The expectations the teacher outlines (clause 7): in full at a pupil's first session with that teacher, briefly afterwards.</summary>
public static class ExpectationsText
{
    public const string Full = "Welcome. In our video calls: your parent or carer stays with you all the time; we talk only about your learning and how you are; "
        + "we stay in a shared room with the TV and other devices off; nobody records or photographs the call except the school; "
        + "if anything online ever worries you, tell your parent or carer or a teacher; and when we finish, you leave the call first and I close it.";

    public const string Brief = "A quick reminder of our rules: your grown-up stays with you, we keep to learning, devices off, you leave first and I close the call.";

    public static string For(bool first) => first ? Full : Brief;
}
