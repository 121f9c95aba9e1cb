using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chaperone.Audit;

/// <summary>
/// An entry's details as a person reads them on the audit trail page. They are stored as
/// <see cref="AuditLog"/> serialised them, with System.Text.Json's default encoder, which writes
/// an apostrophe, &lt;, &gt;, &amp;, + and every letter outside ASCII as an escape
/// (<c>O\u0027Brien</c>). This writes the same JSON with those characters as themselves, for the
/// page to HTML-encode once as it shows any text. Display only: the stored text, which the hash
/// chain seals (<see cref="AuditChain"/>) and the API returns, is not changed.
/// </summary>
public static class ReadableDetails
{
    /// <summary>The JSON in <paramref name="details"/> without escapes a reader need not see; anything that is not JSON, as it is.</summary>
    public static string? Of(string? details)
    {
        if (details is null)
        {
            return null;
        }
        try
        {
            using var json = JsonDocument.Parse(details);
            var text = new StringBuilder(details.Length);
            Write(json.RootElement, text);
            return text.ToString();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON (some entries' details are plain text), or a string JSON cannot hold as text.
            return details;
        }
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var firstProperty = true;
                foreach (var property in value.EnumerateObject())
                {
                    text.Append(firstProperty ? "" : ",");
                    firstProperty = false;
                    Quote(property.Name, text);
                    text.Append(':');
                    Write(property.Value, text);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(firstItem ? "" : ",");
                    firstItem = false;
                    Write(item, text);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                Quote(value.GetString()!, text);
                break;
            default:
                // Numbers, true, false and null, as written.
                text.Append(value.GetRawText());
                break;
        }
    }

    /// <summary>
    /// Characters left escaped, as they do not show as themselves: control characters, and the
    /// invisible ones that change how text around them reads (bidirectional overrides, zero-width
    /// characters, line and paragraph separators), so that a name cannot disguise an entry.
    /// </summary>
    private static bool Hidden(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>A JSON string escaping what JSON must (the quote, the backslash, control characters) and the <see cref="Hidden"/> ones.</summary>
    private static void Quote(string s, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case var _ when Hidden(c): text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
