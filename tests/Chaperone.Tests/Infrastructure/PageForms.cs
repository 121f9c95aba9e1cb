using System.Net;
using AngleSharp.Html.Dom;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Pages' forms sent as a browser sends them, and what the page answered read as a person reads it.</summary>
public static class PageForms
{
    private static readonly AngleSharp.Html.Parser.HtmlParser Parser = new();

    /// <summary>
    /// Sends the (first) form of the page at <paramref name="path"/> whose handler is
    /// <paramref name="handler"/> as a browser would: to its action, with the page's antiforgery
    /// token, encoded as its enctype says. Fields not given are sent as the page filled them in.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string handler, params (string Name, string Value)[] fields)
    {
        using var page = Parser.ParseDocument(await client.GetStringAsync(path));
        var form = page.Forms.First(f => f.GetAttribute("action")?.Contains($"handler={handler}", StringComparison.Ordinal) == true);
        var values = new List<(string Name, string Value)> { ("__RequestVerificationToken", form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!) };
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
        return await client.PostAsync(form.GetAttribute("action"), body);
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
