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

    /// <summary>
    /// When the room of a session starting at <paramref name="start"/> opens: <see cref="Lead"/>
    /// before it, or at the start of that day's school hours if that is later (a call at 09:00
    /// opens at 09:00).
    /// </summary>
    public static DateTimeOffset OpensAt(PolicySettings settings, DateTimeOffset start)
    {
        var day = Instant.FromDateTimeOffset(start).InZone(settings.TimeZone).Date;
        var hoursStart = day.At(settings.DayStart).InZoneLeniently(settings.TimeZone).ToDateTimeOffset();
        var early = start - Lead;
        return (early > hoursStart ? early : hoursStart).ToUniversalTime();
    }

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
        if (!LiveSchoolHoursRule.InHoursAt(facts.Settings, now))
        {
            return new(Clauses.SchoolHours, "school-hours", "Calls take place only within school hours.");
        }
        return null;
    }
}

/// <summary>
/// Clause 3, live: a call starts only within school hours on a school day, so a room opened just
/// before the end of the day cannot start its call after it; and the call's record says whether
/// it kept within them, from its start to the end of the family's part (<see cref="CallEvidence"/>).
/// </summary>
public static class LiveSchoolHoursRule
{
    /// <summary>Whether <paramref name="now"/> falls on a school day, from the start of its hours until (not at) their end.</summary>
    public static bool InHoursAt(PolicySettings settings, DateTimeOffset now)
    {
        var local = Instant.FromDateTimeOffset(now).InZone(settings.TimeZone).LocalDateTime;
        return settings.IsSchoolDay(local.Date) && local.TimeOfDay >= settings.DayStart && local.TimeOfDay < settings.DayEnd;
    }

    public static Refusal? CheckStart(RoomFacts facts, DateTimeOffset now) => InHoursAt(facts.Settings, now)
        ? null
        : new(Clauses.SchoolHours, "school-hours",
            $"Calls take place only within school hours ({Pages.Display.Time(facts.Settings.DayStart)}–{Pages.Display.Time(facts.Settings.DayEnd)}), so this call cannot start now.");

    /// <summary>Whether a call live from <paramref name="from"/> to <paramref name="to"/> kept within one school day's hours (ending exactly at their end is within).</summary>
    public static bool Kept(PolicySettings settings, DateTimeOffset from, DateTimeOffset to) =>
        Policy.Rules.SchoolHoursRule.Within(Instant.FromDateTimeOffset(from), Instant.FromDateTimeOffset(to), settings);

    /// <summary>How the records word it: the span in the school's time (<c>14:31–15:07</c>) and its hours (<c>09:00–15:00, Europe/London</c>).</summary>
    public static (string Span, string Hours) Words(PolicySettings settings, DateTimeOffset from, DateTimeOffset to)
    {
        string Local(DateTimeOffset at) => Pages.Display.Time(Instant.FromDateTimeOffset(at).InZone(settings.TimeZone).TimeOfDay);
        return ($"{Local(from)}–{Local(to)}", $"{Pages.Display.Time(settings.DayStart)}–{Pages.Display.Time(settings.DayEnd)}, {settings.TimeZone.Id}");
    }
}

/// <summary>Clause 1: consent comes from a guardian with parental responsibility, for the session's pupils who are their own children.</summary>
public static class ConsentRule
{
    public static Refusal? Check(RoomFacts facts, RoomGuardian guardian) =>
        !guardian.HasParentalResponsibility
            ? new(Clauses.Consent, "parental-responsibility", $"{guardian.Name} does not hold parental responsibility, so cannot give consent; a parent with parental responsibility must.")
            : facts.PupilsOf(guardian).Count == 0
                ? new(Clauses.Consent, "own-children", $"{guardian.Name} is not linked to any pupil of this session on the school's records, so cannot give consent for them.")
                : null;
}

/// <summary>
/// Clause 1: the parent remains with the child. A guardian says they have with them only children
/// of the session they are linked to; in a small group, each child comes with their own family.
/// </summary>
public static class OwnChildrenRule
{
    public static Refusal? Check(RoomFacts facts, RoomGuardian guardian, IEnumerable<Guid> pupilIds)
    {
        var notTheirs = pupilIds.Distinct().Where(id => !guardian.PupilIds.Contains(id)).ToList();
        if (notTheirs.Count == 0)
        {
            return null;
        }
        var named = notTheirs.Where(id => facts.Pupils.Any(p => p.Id == id)).Select(facts.PupilName).ToList();
        return named.Count == 0
            ? new(Clauses.Consent, "own-children", "That pupil is not on this session.")
            : new(Clauses.Consent, "own-children", $"{string.Join(" and ", named)} must join with their own parent or carer: {guardian.Name} is not linked to them on the school's records.");
    }
}

/// <summary>
/// Clauses 1, 4, 9 and 10: the call starts only with the teacher, a pupil and a supervising
/// guardian present, consent given and confirmed, the room checklist ticked, and the teacher's
/// room and dress checks made. Each child present counts on their own: with a parent or carer who
/// stays, in a room whose checklist is ticked, and covered by a confirmed consent from a parent of
/// theirs (in a small group, each family's). Every missing thing is named, not just the first.
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
        // The devices a child is at: each is its own family's room, supervised and checked on its own.
        var bringing = inCall.Where(f => f.Declaration is { PupilIds.Count: > 0 }).ToList();
        var group = room.Facts.Pupils.Count > 1;
        if (bringing.Count == 0)
        {
            missing.Add(new(Clauses.Participants, "pupil-present", "A pupil must be in the call."));
        }
        if (!inCall.Any(f => f.Declaration is { StaysThroughout: true }))
        {
            missing.Add(new(Clauses.Participants, "guardian-present", "A supervising parent or carer must be in the call and say they will stay throughout."));
        }
        else
        {
            foreach (var pupil in Present(bringing).Where(p => !bringing.Any(f => f.Declaration!.StaysThroughout && f.Declaration.PupilIds.Contains(p))))
            {
                missing.Add(new(Clauses.Consent, "supervised", $"{room.Facts.PupilName(pupil)} must be with a parent or carer who says they will stay for the whole call."));
            }
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
        missing.AddRange(ConsentMissing(room, Present(bringing), group));
        // Clause 9 for each family's room: every child present is with a device whose room checklist is ticked.
        var unticked = Present(bringing).Where(p => !bringing.Any(f => f.Declaration!.ChecklistComplete && f.Declaration.PupilIds.Contains(p))).ToList();
        if (group && unticked.Count > 0)
        {
            missing.AddRange(unticked.Select(p => new Refusal(Clauses.Environment, "room-checklist", $"The family with {room.Facts.PupilName(p)} must tick every item of the room checklist.")));
        }
        else if (bringing.Count == 0 ? !inCall.Any(f => f.Declaration?.ChecklistComplete == true) : unticked.Count > 0)
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

    /// <summary>
    /// Clause 1, per child: each pupil present is covered by a consent from a parent of theirs with
    /// parental responsibility, confirmed by the teacher. Before any pupil is present, some consent is
    /// still asked for, so that the teacher sees every step to come.
    /// </summary>
    private static IEnumerable<Refusal> ConsentMissing(Room room, List<Guid> present, bool group)
    {
        if (present.Count == 0)
        {
            if (room.Consents.Count == 0)
            {
                yield return new(Clauses.Consent, "consent-given", "A parent with parental responsibility must give consent.");
            }
            else if (!room.Consents.Any(c => c.Confirmed))
            {
                yield return new(Clauses.Consent, "consent-confirmed", "The teacher must confirm the consent.");
            }
            yield break;
        }
        var unconfirmed = new HashSet<Guid>();
        foreach (var pupil in present.Where(p => room.ConfirmedConsentFor(p) is null))
        {
            if (room.Consents.LastOrDefault(c => c.PupilIds.Contains(pupil)) is not { } given)
            {
                yield return new(Clauses.Consent, "consent-given", group
                    ? $"A parent with parental responsibility for {room.Facts.PupilName(pupil)} must give consent."
                    : "A parent with parental responsibility must give consent.");
            }
            else if (unconfirmed.Add(given.GuardianId))
            {
                yield return new(Clauses.Consent, "consent-confirmed", group
                    ? $"The teacher must confirm {given.GuardianName}'s consent."
                    : "The teacher must confirm the consent.");
            }
        }
    }

    /// <summary>The pupils the devices in the call say are with them.</summary>
    private static List<Guid> Present(IEnumerable<FamilyMember> bringing) => [.. bringing.SelectMany(f => f.Declaration!.PupilIds).Distinct()];
}

/// <summary>Clause 6: the family's part ends first; only then does the teacher close the session.</summary>
public static class ExitOrderRule
{
    public static Refusal? Check(Room room) => room.Families.Values.Any(f => f.Place is FamilyPlace.InCall or FamilyPlace.Lobby && f.Connected)
        ? new(Clauses.ExitOrder, "family-first", "End the family's part of the call first; then close the session.")
        : null;
}
