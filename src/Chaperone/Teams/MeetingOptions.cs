using Microsoft.Graph.Models;

namespace Chaperone.Teams;

/// <summary>
/// The safeguarding options of a session's Teams meeting, as Graph names them on
/// <c>onlineMeeting</c>. <see cref="Safeguarding"/> is what every session's meeting must have:
/// only the organizer bypasses the lobby (dial-in callers wait too) and only the organizer and
/// co-organizers admit from it (clause 3), only the organizer presents and attendees have no
/// chat nor the chat history (clause 5), nobody renames themselves and entries and exits are
/// announced (clauses 4 and 6), the meeting records itself (clause 2), no breakout rooms
/// (clause 5).
/// </summary>
public sealed record MeetingOptions(
    string? AllowedPresenters,
    string? LobbyBypassScope,
    bool? IsDialInBypassEnabled,
    string? AllowedLobbyAdmitters,
    string? AllowMeetingChat,
    string? ShareMeetingChatHistoryDefault,
    bool? AllowParticipantsToChangeName,
    bool? IsEntryExitAnnounced,
    bool? RecordAutomatically,
    bool? AllowBreakoutRooms)
{
    public static MeetingOptions Safeguarding { get; } = new(
        "organizer", "organizer", false, "organizerAndCoOrganizers", "disabled", "none", false, true, true, false);

    /// <summary>The options as a Graph PATCH body: only these properties are sent.</summary>
    public OnlineMeeting ToGraph() => new()
    {
        AllowedPresenters = OnlineMeetingPresenters.Organizer,
        LobbyBypassSettings = new LobbyBypassSettings { Scope = Microsoft.Graph.Models.LobbyBypassScope.Organizer, IsDialInBypassEnabled = false },
        AllowedLobbyAdmitters = AllowedLobbyAdmitterRoles.OrganizerAndCoOrganizers,
        AllowMeetingChat = MeetingChatMode.Disabled,
        ShareMeetingChatHistoryDefault = MeetingChatHistoryDefaultMode.None,
        AllowParticipantsToChangeName = false,
        IsEntryExitAnnounced = true,
        RecordAutomatically = true,
        AllowBreakoutRooms = false,
    };

    public static MeetingOptions FromGraph(OnlineMeeting m) => new(
        Name(m.AllowedPresenters),
        Name(m.LobbyBypassSettings?.Scope),
        m.LobbyBypassSettings?.IsDialInBypassEnabled,
        Name(m.AllowedLobbyAdmitters),
        Name(m.AllowMeetingChat),
        Name(m.ShareMeetingChatHistoryDefault),
        m.AllowParticipantsToChangeName,
        m.IsEntryExitAnnounced,
        m.RecordAutomatically,
        m.AllowBreakoutRooms);

    /// <summary>Each option that differs from <paramref name="wanted"/>, by its Graph name, with both values.</summary>
    public IReadOnlyList<string> DriftFrom(MeetingOptions wanted)
    {
        var drift = new List<string>();
        void Check(string name, object? have, object? want)
        {
            if (!Equals(have, want))
            {
                drift.Add($"{name}: {have ?? "(not set)"} instead of {want}");
            }
        }
        Check("allowedPresenters", AllowedPresenters, wanted.AllowedPresenters);
        Check("lobbyBypassSettings.scope", LobbyBypassScope, wanted.LobbyBypassScope);
        Check("lobbyBypassSettings.isDialInBypassEnabled", IsDialInBypassEnabled, wanted.IsDialInBypassEnabled);
        Check("allowedLobbyAdmitters", AllowedLobbyAdmitters, wanted.AllowedLobbyAdmitters);
        Check("allowMeetingChat", AllowMeetingChat, wanted.AllowMeetingChat);
        Check("shareMeetingChatHistoryDefault", ShareMeetingChatHistoryDefault, wanted.ShareMeetingChatHistoryDefault);
        Check("allowParticipantsToChangeName", AllowParticipantsToChangeName, wanted.AllowParticipantsToChangeName);
        Check("isEntryExitAnnounced", IsEntryExitAnnounced, wanted.IsEntryExitAnnounced);
        Check("recordAutomatically", RecordAutomatically, wanted.RecordAutomatically);
        Check("allowBreakoutRooms", AllowBreakoutRooms, wanted.AllowBreakoutRooms);
        return drift;
    }

    /// <summary>Graph's wire name of an enum value (camelCase), e.g. <c>organizerAndCoOrganizers</c>.</summary>
    private static string? Name<T>(T? value) where T : struct, Enum =>
        value is { } v ? char.ToLowerInvariant(v.ToString()[0]) + v.ToString()[1..] : null;
}
