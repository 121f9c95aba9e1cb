namespace Chaperone.Infrastructure;

/// <summary>Checks on text people type (reasons, notes) before it is stored.</summary>
public static class FreeText
{
    /// <summary>
    /// Text goes into emails, calendar invites and both databases (PostgreSQL refuses NUL), so
    /// control characters other than line breaks and tabs are refused.
    /// </summary>
    public static bool HasControlCharacters(string text) =>
        text.Any(IsRefused);

    /// <summary>The text without the characters <see cref="HasControlCharacters"/> refuses: what a form shows again of what was typed.</summary>
    public static string WithoutControlCharacters(string text) =>
        HasControlCharacters(text) ? new string(text.Where(c => !IsRefused(c)).ToArray()) : text;

    /// <summary>What is said of text with such characters, <paramref name="what"/> being "The reason", "The name".</summary>
    public static string CannotKeep(string what) =>
        $"{what} has a character that cannot be kept (an invisible control character, perhaps pasted in): it is taken out here; check the text and save again.";

    private static bool IsRefused(char c) => char.IsControl(c) && c is not ('\n' or '\r' or '\t');
}
