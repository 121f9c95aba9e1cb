using System.Text.Json;
using System.Text.Json.Serialization;
using Chaperone.Scheduling;

namespace Chaperone.Notifications;

/// <summary>
/// What one outbox message says, as it was when the change that caused it committed: the
/// session as it then was, whether the copy is the teacher's, and the school's wording and
/// expectations for families (null where they are the policy's), a guardian's own link to their
/// page, and where the call takes place (null for the built-in room); a move's earlier start, who
/// booked the session for its teacher (their copy only, when not the teacher), and how families
/// reach the school office (theirs only, when the school has said). In a small group a family's
/// message names only their own children (<see cref="Pupils"/>) and counts the others (<see cref="OtherPupils"/>). The row holds these as JSON; <see cref="MessageComposer.Render"/>
/// writes the email from them when it is sent, so a booking stores a few hundred bytes per
/// message instead of the whole MIME with its invite.
/// </summary>
public sealed record MessageFacts(
    string SchoolName,
    string ZoneId,
    SessionKind SessionKind,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Sequence,
    string? CancellationReason,
    MailPerson Teacher,
    IReadOnlyList<string> Pupils,
    IReadOnlyList<MailPerson> Guardians,
    bool ToTeacher,
    string? Opening,
    string? Closing,
    string? FamilyLink,
    string? ExpectationsForFamilies = null,
    string? Provider = null,
    int OtherPupils = 0,
    DateTimeOffset? MovedFrom = null,
    string? BookedBy = null,
    string? OfficeEmail = null,
    string? OfficePhone = null)
{
    public static string Serialize(MessageFacts facts) => JsonSerializer.Serialize(facts, MessageFactsJson.Default.MessageFacts);

    public static MessageFacts Deserialize(string json) =>
        JsonSerializer.Deserialize(json, MessageFactsJson.Default.MessageFacts) ?? throw new JsonException("An outbox message's facts are empty.");
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(MessageFacts))]
internal sealed partial class MessageFactsJson : JsonSerializerContext;
