using Chaperone.Policy;
using NodaTime;

namespace Chaperone.Calls;

/// <summary>Why the room refused an action: the clause it protects, a rule name, and words for the person who tried.</summary>
public sealed record Refusal(int Clause, string Rule, string Message);

/// <summary>Clause 3: nobody but the session's own teacher opens and hosts the room.</summary>
public static class HostOnlyRule
{
    public static Refusal? Check(RoomFacts facts, Guid staffId) => staffId == facts.TeacherId
        ? null
        : new(Clauses.SchoolHours, "host-only", "Only the session's teacher can host this call.");
}

/// <summary>
/// Clause 3: the room opens from <see cref="Lead"/> before the start until the booked end (plus
/// the family link's grace for an overrun), never on a day the school is closed or outside the
/// school's hours, and never for a cancelled or finished session.
/// </summary>
public static class OpeningWindowRule
{
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(10);

    public static Refusal? Check(RoomFacts facts, DateTimeOffset now)
    {
        if (facts.Status is Scheduling.SessionStatus.Cancelled)
        {
            return new(Clauses.SchoolHours, "cancelled", "This session was cancelled.");
        }
        if (facts.Status is Scheduling.SessionStatus.Ended)
        {
            return new(Clauses.SchoolHours, "ended", "This session has finished.");
        }
        if (now < facts.Start - Lead)
        {
            return new(Clauses.SchoolHours, "too-early", $"The room opens {Lead.TotalMinutes:0} minutes before the session starts.");
        }
        if (now > facts.End + Families.FamilyLinks.GraceAfterEnd)
        {
            return new(Clauses.SchoolHours, "too-late", "This session's time has passed.");
        }
        var local = Instant.FromDateTimeOffset(now).InZone(facts.Settings.TimeZone).LocalDateTime;
        if (!facts.Settings.IsSchoolDay(local.Date) || local.TimeOfDay < facts.Settings.DayStart || local.TimeOfDay >= facts.Settings.DayEnd)
        {
            return new(Clauses.SchoolHours, "school-hours", "Calls take place only within school hours.");
        }
        return null;
    }
}

/// <summary>Clause 1: consent comes from a guardian with parental responsibility.</summary>
public static class ConsentRule
{
    public static Refusal? Check(RoomGuardian guardian) => guardian.HasParentalResponsibility
        ? null
        : new(Clauses.Consent, "parental-responsibility", $"{guardian.Name} does not hold parental responsibility, so cannot give consent; a parent with parental responsibility must.");
}

/// <summary>
/// Clauses 1, 4, 9 and 10: the call starts only with the teacher, a pupil and a supervising
/// guardian present, consent given and confirmed, the room checklist ticked, and the teacher's
/// room and dress checks made. Every missing thing is named, not just the first.
/// </summary>
public static class StartRule
{
    public static IReadOnlyList<Refusal> Check(Room room)
    {
        var missing = new List<Refusal>();
        var inCall = room.Families.Values.Where(f => f.Place == FamilyPlace.InCall && f.Connected).ToList();
        if (!room.TeacherConnected)
        {
            missing.Add(new(Clauses.Participants, "teacher-present", "The teacher must be in the call."));
        }
        if (!inCall.Any(f => f.Declaration is { PupilIds.Count: > 0 }))
        {
            missing.Add(new(Clauses.Participants, "pupil-present", "A pupil must be in the call."));
        }
        if (!inCall.Any(f => f.Declaration is { StaysThroughout: true }))
        {
            missing.Add(new(Clauses.Participants, "guardian-present", "A supervising parent or carer must be in the call and say they will stay throughout."));
        }
        else
        {
            // The school's minimum (3, the policy's, by default): the teacher, each pupil present and each supervising adult.
            var present = (room.TeacherConnected ? 1 : 0)
                + inCall.SelectMany(f => f.Declaration?.PupilIds ?? []).Distinct().Count()
                + inCall.Count(f => f.Declaration is { StaysThroughout: true });
            var minimum = room.Facts.Settings.MinimumParticipants;
            if (present < minimum && room.TeacherConnected && inCall.Any(f => f.Declaration is { PupilIds.Count: > 0 }))
            {
                missing.Add(new(Clauses.Participants, "minimum-participants", $"The school's policy asks for at least {minimum} participants; {present} are here."));
            }
        }
        if (room.Consent is null)
        {
            missing.Add(new(Clauses.Consent, "consent-given", "A parent with parental responsibility must give consent."));
        }
        else if (room.Consent.ConfirmedAt is null)
        {
            missing.Add(new(Clauses.Consent, "consent-confirmed", "The teacher must confirm the consent."));
        }
        if (!inCall.Any(f => f.Declaration?.ChecklistComplete == true))
        {
            missing.Add(new(Clauses.Environment, "room-checklist", "The family must tick every item of the room checklist."));
        }
        if (room.RoomCheckedAt is null)
        {
            missing.Add(new(Clauses.Environment, "room-check", "The teacher must confirm the family's room is suitable."));
        }
        if (room.DressCheckedAt is null)
        {
            missing.Add(new(Clauses.Dress, "dress-check", "The teacher must confirm everyone is appropriately dressed."));
        }
        return missing;
    }
}

/// <summary>Clause 6: the family's part ends first; only then does the teacher close the session.</summary>
public static class ExitOrderRule
{
    public static Refusal? Check(Room room) => room.Families.Values.Any(f => f.Place is FamilyPlace.InCall or FamilyPlace.Lobby && f.Connected)
        ? new(Clauses.ExitOrder, "family-first", "End the family's part of the call first; then close the session.")
        : null;
}
