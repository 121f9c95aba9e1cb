namespace Chaperone.Infrastructure;

/// <summary>Ids are strings in the API and GUIDs inside; an id that does not parse simply names nothing.</summary>
public static class Ids
{
    public static string Format(Guid id) => id.ToString("D");

    public static bool TryParse(string? value, out Guid id) => Guid.TryParseExact(value?.Trim(), "D", out id);
}
