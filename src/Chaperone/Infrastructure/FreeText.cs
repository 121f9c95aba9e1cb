using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Chaperone.Infrastructure;

/// <summary>Checks on text people type (reasons, notes, names) before it is stored.</summary>
public static class FreeText
{
    /// <summary>
    /// Text goes into emails, calendar invites and both databases (PostgreSQL refuses NUL), so
    /// control characters other than line breaks and tabs are refused; so are the characters that
    /// override or embed the direction of text (U+202A–U+202E, U+2066–U+2069), which make text
    /// read as something else and can reverse what follows it on a page or in an email.
    /// </summary>
    public static bool HasControlCharacters(string text) =>
        text.Any(IsRefused);

    /// <summary>The text without the characters <see cref="HasControlCharacters"/> refuses: what a form shows again of what was typed.</summary>
    public static string WithoutControlCharacters(string text) =>
        HasControlCharacters(text) ? new string(text.Where(c => !IsRefused(c)).ToArray()) : text;

    /// <summary>What is said of text with such characters, <paramref name="what"/> being "The reason", "The name".</summary>
    public static string CannotKeep(string what) =>
        $"{what} has a character that cannot be kept (an invisible control character, perhaps pasted in): it is taken out here; check the text and save again.";

    /// <summary>
    /// Whether text has nothing a reader would see: null, empty, or only spaces (of any width),
    /// line breaks, control and format characters (zero-width spaces, joiners, direction marks,
    /// U+FEFF), combining marks with nothing to combine with, and the blank fillers that are
    /// letters in name only (Hangul fillers, braille blank). Where text is required such text
    /// counts as empty, and gets the field's error for empty text.
    /// </summary>
    public static bool IsBlank([NotNullWhen(false)] string? text) =>
        text is null || !text.EnumerateRunes().Any(IsVisible);

    /// <summary>Whether a name has characters that change the direction of text (U+202A–U+202E, U+2066–U+2069).</summary>
    public static bool ChangesDirection(string text) => text.Any(IsDirectionControl);

    /// <summary>What is said of a name with such characters, <paramref name="what"/> being "The name", "The school's name".</summary>
    public static string ChangesDirectionError(string what) =>
        $"{what} has characters that change the direction of text: please type it again.";

    private static bool IsVisible(Rune r)
    {
        if (Rune.IsWhiteSpace(r) || r.Value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x180E or 0x2800 or 0x3164 or 0xFFA0)
        {
            return false;
        }
        return Rune.GetUnicodeCategory(r) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
    }

    private static bool IsDirectionControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static bool IsRefused(char c) => (char.IsControl(c) && c is not ('\n' or '\r' or '\t')) || IsDirectionControl(c);
}
