using System.Net;
using AngleSharp.Html.Dom;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Pages' forms sent as a browser sends them, and what the page answered read as a person reads it.</summary>
public static class PageForms
{
    private static readonly AngleSharp.Html.Parser.HtmlParser Parser = new();

    /// <summary>
    /// Sends the (first) form of the page at <paramref name="path"/> whose handler is
    /// <paramref name="handler"/> as a browser would: to its action (or its button's), encoded as its
    /// enctype says, with <paramref name="fields"/> as typed and every other field as the page
    /// filled it in (the antiforgery token among them).
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string handler, params (string Name, string Value)[] fields)
    {
        using var page = Parser.ParseDocument(await client.GetStringAsync(path));
        bool Sends(AngleSharp.Dom.IElement e, string attribute) => e.GetAttribute(attribute)?.Contains($"handler={handler}", StringComparison.Ordinal) == true;
        // The handler is the form's action's, or that of one of its buttons (formaction).
        var form = page.Forms.First(f => Sends(f, "action") || f.QuerySelectorAll("button[formaction]").Any(b => Sends(b, "formaction")));
        var action = Sends(form, "action") ? form.GetAttribute("action") : form.QuerySelectorAll("button[formaction]").First(b => Sends(b, "formaction")).GetAttribute("formaction");
        var given = fields.Select(f => f.Name).ToHashSet();
        var values = Filled(form).Where(v => !given.Contains(v.Name)).ToList();
        values.AddRange(fields);
        HttpContent body;
        if (string.Equals(form.Enctype, "multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var multipart = new MultipartFormDataContent();
            foreach (var (name, value) in values)
            {
                multipart.Add(new StringContent(value), name);
            }
            body = multipart;
        }
        else
        {
            body = new FormUrlEncodedContent(values.Select(v => new KeyValuePair<string, string>(v.Name, v.Value)));
        }
        return await client.PostAsync(action, body);
    }

    /// <summary>The values a browser sends of the form as the page filled it in (the antiforgery token among them).</summary>
    private static IEnumerable<(string Name, string Value)> Filled(IHtmlFormElement form)
    {
        foreach (var element in form.Elements)
        {
            var name = element.GetAttribute("name");
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" or "radio" } box when box.IsChecked:
                    yield return (name, box.Value);
                    break;
                case IHtmlInputElement { Type: "checkbox" or "radio" or "submit" or "button" or "file" }:
                    break;
                case IHtmlInputElement input:
                    yield return (name, input.Value);
                    break;
                case IHtmlTextAreaElement area:
                    yield return (name, area.Value);
                    break;
                case IHtmlSelectElement { SelectedOptions.Length: > 0 } select:
                    yield return (name, select.SelectedOptions[0].Value);
                    break;
            }
        }
    }

    /// <summary>The page a refused form comes back as (200, with the form), parsed.</summary>
    public static async Task<IHtmlDocument> RefusedAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected the form again (200), got {(int)response.StatusCode}: {html[..Math.Min(html.Length, 2000)]}");
        return Parser.ParseDocument(html);
    }

    /// <summary>The error summary's entries, in its order: the id each links to ("" for none) and the message.</summary>
    public static IReadOnlyList<(string Field, string Message)> Summary(IHtmlDocument page, int which = 0) =>
        page.QuerySelectorAll("[data-error-summary]").ElementAtOrDefault(which) is { } summary
            ? summary.QuerySelectorAll("li").Select(li => (li.QuerySelector("a")?.GetAttribute("href")?.TrimStart('#') ?? "", li.TextContent.Trim())).ToList()
            : [];

    /// <summary>The message shown on the field with the id <paramref name="field"/> (its <c>-error</c> paragraph), without "Error:"; null when there is none.</summary>
    public static string? FieldError(IHtmlDocument page, string field) =>
        page.GetElementById(field + "-error")?.TextContent.Replace("Error:", "", StringComparison.Ordinal).Trim();

    /// <summary>What the field with the id <paramref name="field"/> holds as the page comes back: an input's value or a textarea's text.</summary>
    public static string? Value(IHtmlDocument page, string field) => page.GetElementById(field) switch
    {
        IHtmlTextAreaElement area => area.Value,
        IHtmlInputElement input => input.Value,
        _ => null,
    };
}
