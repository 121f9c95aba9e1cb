namespace Chaperone.Infrastructure;

/// <summary>Checks on text people type (reasons, notes) before it is stored.</summary>
public static class FreeText
{
    /// <summary>
    /// Text goes into emails, calendar invites and both databases (PostgreSQL refuses NUL), so
    /// control characters other than line breaks and tabs are refused.
    /// </summary>
    public static bool HasControlCharacters(string text) =>
        text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));
}
