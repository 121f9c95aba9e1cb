using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Chaperone.Pages;

/// <summary>
/// The errors of one form, each against a form field (or none), kept in the order they were found.
/// The error summary links each message to its field; the field itself shows the message and
/// points to it with <c>aria-describedby</c>. Field keys double as the ids of the elements the
/// summary links to, so they are plain words chosen by the page.
/// </summary>
/// <remarks>
/// The summary (<see cref="SummaryItems"/>) lists the errors in the order of the fields on the page,
/// whatever order the checks found them in: the page shows each field's message with
/// <see cref="Message"/> as it renders the form, which notes the field's place, and the summary's
/// items, though placed above the form, are written out only once the whole page is rendered
/// (Razor buffers a page and its layout before writing them). Errors against no field come first;
/// any whose field the page never showed, last.
/// </remarks>
public sealed class FormErrors
{
    private readonly List<(string Field, string Message)> _items = [];

    /// <summary>The fields with errors in the order the page showed their messages.</summary>
    private readonly List<string> _shown = [];

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
        if (!_shown.Contains(field))
        {
            _shown.Add(field);
        }
        var encoder = HtmlEncoder.Default;
        return new HtmlString(
            $"<p class=\"field-error\" id=\"{encoder.Encode(field)}-error\"><span class=\"visually-hidden\">Error: </span>{encoder.Encode(string.Join(" ", messages))}</p>");
    }

    /// <summary>The errors in the order of the fields on the page, as far as it has been rendered (see the remarks).</summary>
    public IEnumerable<(string Field, string Message)> InPageOrder() =>
        _items.OrderBy(e => e.Field.Length == 0 ? -1 : _shown.IndexOf(e.Field) is var at and >= 0 ? at : int.MaxValue);

    /// <summary>
    /// The error summary's list items, each linking to its field, in the order of the fields on the
    /// page: written out when the page is, after its fields have been rendered.
    /// </summary>
    public IHtmlContent SummaryItems() => new Deferred(this);

    private sealed class Deferred(FormErrors errors) : IHtmlContent
    {
        public void WriteTo(TextWriter writer, HtmlEncoder encoder)
        {
            foreach (var (field, message) in errors.InPageOrder())
            {
                writer.Write(field.Length > 0
                    ? $"<li><a href=\"#{encoder.Encode(field)}\">{encoder.Encode(message)}</a></li>"
                    : $"<li>{encoder.Encode(message)}</li>");
            }
        }
    }
}
