namespace Chaperone.Calls;

/// <summary>What each connection in a room is shown: the teacher sees everything; a family device sees its own part.</summary>
public static class RoomViews
{
    public sealed record Missing(int Clause, string Message);

    public sealed record FamilyRow(string Id, string Name, string Relationship, bool ParentalResponsibility, string Place, bool Connected,
        IReadOnlyList<string>? PupilsPresent, bool? StaysThroughout, IReadOnlyList<string>? Checklist, bool ChecklistComplete, bool Muted);

    /// <summary>One guardian's consent, for the children named (their own on the session).</summary>
    public sealed record ConsentView(string GuardianId, string Guardian, string Relationship, IReadOnlyList<string> Pupils, DateTimeOffset GivenAt, string Text, bool Confirmed);

    public sealed record TeacherView(string Role, string Phase, bool Recording, bool Lapse, bool TeacherMuted, IReadOnlyList<FamilyRow> Families,
        IReadOnlyList<ConsentView> Consents, bool RoomChecked, bool DressChecked, bool ExpectationsFull, string ExpectationsText, bool ExpectationsGiven,
        IReadOnlyList<Missing> StartMissing, IReadOnlyList<string> Peers);

    /// <summary>A family device's part of the room.</summary>
    /// <param name="ConsentText">The words this guardian consents to; empty when they cannot consent (they are never shown words claiming a responsibility they do not hold).</param>
    /// <param name="ConsentNote">When they cannot consent, why, in their own words: a carer without parental responsibility is told they supervise and whose consent is asked (clause 1).</param>
    /// <param name="Declaration">What this guardian last declared in the room, so that their page shows those answers (after a reload too) and they can correct them.</param>
    public sealed record FamilyView(string Role, string Me, string Phase, string Place, bool TeacherPresent, bool Recording, bool Lapse, bool Muted,
        IReadOnlyList<RoomPupil> Pupils, bool Declared, bool CanConsent, string ConsentText, bool ConsentGiven, bool ConsentConfirmed,
        IReadOnlyList<Families.ChecklistItem> ChecklistItems, IReadOnlyList<string> Peers, string? ConsentNote = null, DeclarationView? Declaration = null);

    /// <summary>A guardian's own declaration as their page ticks it: the children present (ids), that they stay throughout, the checklist keys ticked.</summary>
    public sealed record DeclarationView(IReadOnlyList<string> PupilIds, bool StaysThroughout, IReadOnlyList<string> Checklist);

    /// <summary>The parties this one should hold a media connection with now.</summary>
    private static List<string> PeersOf(Room room, string party) =>
        [.. new[] { RoomParty.Teacher }.Concat(room.Families.Keys.Select(k => k.ToString())).Where(p => room.MayConnect(party, p))];

    public static TeacherView ForTeacher(Room room) => new(
        "teacher", room.Phase.ToString(), room.Recording, room.SupervisionLapse, room.TeacherMuted,
        [.. room.Families.Values.Select(f => new FamilyRow(f.Guardian.Id.ToString(), f.Guardian.Name, f.Guardian.Relationship, f.Guardian.HasParentalResponsibility,
            f.Place.ToString(), f.Connected,
            f.Declaration?.PupilIds.Select(room.Facts.PupilName).ToList(),
            f.Declaration?.StaysThroughout, f.Declaration?.Checklist, f.Declaration?.ChecklistComplete == true, f.Muted))],
        [.. room.Consents.Select(c => new ConsentView(c.GuardianId.ToString(), c.GuardianName, c.Relationship, [.. c.PupilIds.Select(room.Facts.PupilName)], c.GivenAt, c.Text, c.Confirmed))],
        room.RoomCheckedAt is not null, room.DressCheckedAt is not null, room.ExpectationsFull, ExpectationsText.For(room.Facts.Settings, room.ExpectationsFull),
        room.ExpectationsConfirmedAt is not null,
        room.Phase == RoomPhase.Open ? [.. StartRule.Check(room).Select(m => new Missing(m.Clause, m.Message))] : [],
        PeersOf(room, RoomParty.Teacher));

    public static FamilyView ForFamily(Room room, FamilyMember f)
    {
        var refusal = ConsentRule.Check(room.Facts, f.Guardian);
        var pupils = room.Facts.PupilsOf(f.Guardian);
        return new(
            "family", f.Guardian.Id.ToString(), room.Phase.ToString(), f.Place.ToString(), room.TeacherConnected, room.Recording, room.SupervisionLapse, f.Muted,
            pupils, f.Declaration is not null, refusal is null, refusal is null ? ConsentText.For(room.Facts, f.Guardian) : "",
            room.ConsentOf(f.Guardian.Id) is not null, room.ConsentOf(f.Guardian.Id)?.Confirmed == true, Families.FamilyChecklist.Items, PeersOf(room, f.Guardian.Id.ToString()),
            refusal is null ? null
                : !f.Guardian.HasParentalResponsibility && pupils.Count > 0 ? Families.SupervisingOnly.Sentence([.. pupils.Select(p => p.Name)], inTeams: false)
                : refusal.Message,
            f.Declaration is { } d ? new DeclarationView([.. d.PupilIds.Select(p => p.ToString())], d.StaysThroughout, d.Checklist) : null);
    }

    public static List<(string Connection, object View)> All(Room room)
    {
        var views = new List<(string, object)>();
        if (room.TeacherConnectionId is { } teacher)
        {
            views.Add((teacher, ForTeacher(room)));
        }
        foreach (var f in room.Families.Values.Where(f => f.ConnectionId is not null))
        {
            views.Add((f.ConnectionId!, ForFamily(room, f)));
        }
        return views;
    }
}
