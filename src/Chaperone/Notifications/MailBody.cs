using System.Text;
using System.Text.Encodings.Web;

namespace Chaperone.Notifications;

/// <summary>
/// A message's content as a few plain blocks (headings, paragraphs, lists, links), written out
/// once as HTML and once as plain text, so both parts always say the same.
/// </summary>
public sealed class MailBody
{
    private readonly List<(string Kind, string Text, IReadOnlyList<string>? Items, string? Url)> _blocks = [];

    public MailBody Heading(string text) => Add("h", text);
    public MailBody Paragraph(string text) => Add("p", text);
    public MailBody Strong(string text) => Add("strong", text);
    public MailBody Link(string label, string url) { _blocks.Add(("a", label, null, url)); return this; }
    public MailBody List(params IReadOnlyList<string> items) { _blocks.Add(("ul", "", items, null)); return this; }

    private MailBody Add(string kind, string text) { _blocks.Add((kind, text, null, null)); return this; }

    public string ToText()
    {
        var text = new StringBuilder(4096);
        foreach (var (kind, value, items, url) in _blocks)
        {
            switch (kind)
            {
                case "h": text.Append('\n').Append(value).Append('\n').Append(new string('-', Math.Min(value.Length, 70))).Append('\n'); break;
                case "ul": foreach (var item in items!) { text.Append("  * ").Append(item).Append('\n'); } text.Append('\n'); break;
                case "a": text.Append(value).Append(":\n").Append(url).Append("\n\n"); break;
                default: text.Append(value).Append("\n\n"); break;
            }
        }
        // Trailing blank lines trimmed, one line break kept.
        var end = text.Length;
        while (end > 0 && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }
        text.Length = end;
        return text.Append('\n').ToString();
    }

    public string ToHtml(string schoolName)
    {
        var e = HtmlEncoder.Default;
        var html = new StringBuilder(8192);
        html.Append("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(e.Encode(schoolName)).Append("</title></head>")
            .Append("<body style=\"font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#0b0c0c;max-width:640px;margin:0 auto;padding:16px\">")
            .Append("<p style=\"font-size:20px;font-weight:bold;border-bottom:4px solid #1d70b8;padding-bottom:8px\">").Append(e.Encode(schoolName)).Append("</p>");
        foreach (var (kind, value, items, url) in _blocks)
        {
            switch (kind)
            {
                case "h": html.Append("<h2 style=\"font-size:18px;margin:24px 0 8px\">").Append(e.Encode(value)).Append("</h2>"); break;
                case "strong": html.Append("<p style=\"font-size:18px\"><strong>").Append(e.Encode(value)).Append("</strong></p>"); break;
                case "ul":
                    html.Append("<ul>");
                    foreach (var item in items!) { html.Append("<li>").Append(e.Encode(item)).Append("</li>"); }
                    html.Append("</ul>");
                    break;
                case "a":
                    html.Append("<p><a href=\"").Append(e.Encode(url!)).Append("\" style=\"display:inline-block;background:#00703c;color:#fff;padding:8px 16px;text-decoration:none;font-weight:bold\">")
                        .Append(e.Encode(value)).Append("</a><br><span style=\"font-size:14px;color:#505a5f;word-break:break-all;overflow-wrap:anywhere\">").Append(e.Encode(url!)).Append("</span></p>");
                    break;
                default: html.Append("<p>").Append(e.Encode(value)).Append("</p>"); break;
            }
        }
        html.Append("<p style=\"font-size:14px;color:#505a5f;border-top:1px solid #b1b4b6;padding-top:8px\">Sent by ").Append(e.Encode(schoolName))
            .Append(" through Chaperone, which keeps video calls with pupils within the school's video call policy.</p></body></html>");
        return html.ToString();
    }
}
