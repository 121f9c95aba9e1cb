using System.Security.Claims;
using System.Text.Json.Nodes;

namespace Chaperone.Audit;

/// <summary>
/// Parts of audit entries that only the designated safeguarding lead reads. Why a recording is
/// kept past retention (clause 11) is a safeguarding matter, shown to the DSL and nobody else, so
/// an admin searching the trail sees that a reason was given, not what it says. The entry itself
/// keeps it: the hash chain and the evidence stay whole, and only what is shown is withheld.
/// </summary>
public static class ConfidentialDetails
{
    public const string Withheld = "(withheld: for the designated safeguarding lead)";

    private static readonly Dictionary<string, string[]> DslOnly = new(StringComparer.Ordinal)
    {
        [AuditActions.RecordingHeld] = ["reason"],
        [AuditActions.RecordingHoldLifted] = ["heldFor"],
    };

    /// <summary>Whether the reader reads every detail: whoever may read a hold's reason on the recording itself.</summary>
    public static bool ReadsAll(ClaimsPrincipal reader) => Recordings.RecordingEndpoints.MayReadHoldReason(reader);

    /// <summary>An entry's details as <paramref name="readsAll"/> decides: whole, or with the DSL's parts withheld.</summary>
    public static string? Shown(string action, string? details, bool readsAll)
    {
        if (readsAll || details is null || !DslOnly.TryGetValue(action, out var keys))
        {
            return details;
        }
        if (Parsed(details) is not { } json)
        {
            return Withheld; // not the object the app writes: withhold it whole rather than guess
        }
        foreach (var key in keys.Where(json.ContainsKey))
        {
            json[key] = Withheld;
        }
        return json.ToJsonString();
    }

    private static JsonObject? Parsed(string details)
    {
        try
        {
            return JsonNode.Parse(details) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
