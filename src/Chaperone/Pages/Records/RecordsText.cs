using System.Security.Claims;

namespace Chaperone.Pages.Records;

/// <summary>Wording the record pages share.</summary>
public static class RecordsText
{
    public static string Scope(ClaimsPrincipal user) =>
        Chaperone.Records.RecordAccess.SeesWholeSchool(user)
            ? "Every teacher's sessions are shown."
            : "Only the sessions you hosted are shown.";
}
