using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Chaperone.Pages;

/// <summary>
/// The errors of one form, in the order they were found, each against a form field (or none).
/// The error summary links each message to its field; the field itself shows the message and
/// points to it with <c>aria-describedby</c>. Field keys double as the ids of the elements the
/// summary links to, so they are plain words chosen by the page.
/// </summary>
public sealed class FormErrors
{
    private readonly List<(string Field, string Message)> _items = [];

    public IReadOnlyList<(string Field, string Message)> All => _items;

    /// <summary>The error summary's heading: "There is a problem", or what refused the change.</summary>
    public string Title { get; set; } = "There is a problem";

    public bool Any => _items.Count > 0;

    /// <summary>
    /// The summary takes the focus as the page loads, and with it the screen: for a form far down a
    /// long page (the family's), whose error would otherwise be thousands of pixels below what a
    /// phone shows.
    /// </summary>
    public bool Autofocus { get; init; }

    public void Add(string field, string message)
    {
        if (!_items.Contains((field, message)))
        {
            _items.Add((field, message));
        }
    }

    /// <summary>Adds API-style errors (<c>pupilIds[1]</c>, <c>start</c>) under the page's own field keys.</summary>
    public void AddAll(IDictionary<string, string[]>? errors, Func<string, string> fieldOf)
    {
        foreach (var (key, messages) in errors ?? new Dictionary<string, string[]>())
        {
            foreach (var message in messages)
            {
                Add(fieldOf(key), message);
            }
        }
    }

    public bool Has(string field) => _items.Exists(e => e.Field == field);

    public IEnumerable<string> For(string field) => _items.Where(e => e.Field == field).Select(e => e.Message);

    /// <summary>The id of the field's error message, for <c>aria-describedby</c>; null when there is none.</summary>
    public string? DescribedBy(string field, string? hintId = null)
    {
        var ids = new[] { hintId, Has(field) ? field + "-error" : null }.Where(i => i is not null);
        var joined = string.Join(' ', ids);
        return joined.Length == 0 ? null : joined;
    }

    public string? Invalid(string field) => Has(field) ? "true" : null;

    /// <summary>The field's messages as a paragraph with the id that <see cref="DescribedBy"/> names.</summary>
    public IHtmlContent Message(string field)
    {
        var messages = For(field).ToList();
        if (messages.Count == 0)
        {
            return HtmlString.Empty;
        }
        var encoder = HtmlEncoder.Default;
        return new HtmlString(
            $"<p class=\"field-error\" id=\"{encoder.Encode(field)}-error\"><span class=\"visually-hidden\">Error: </span>{encoder.Encode(string.Join(" ", messages))}</p>");
    }
}
