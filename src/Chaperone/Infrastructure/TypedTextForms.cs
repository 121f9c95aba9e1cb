using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace Chaperone.Infrastructure;

/// <summary>
/// Every page's form is sent as <c>multipart/form-data</c> unless it says otherwise. In a
/// url-encoded form the framework's reader refuses an escaped NUL (<c>%00</c>, as from text pasted
/// into a field) before any page sees the form (aspnetcore#29420), and the person gets a bad-request
/// page and loses what they typed; sent as multipart, the text reaches the page, whose checks
/// (<see cref="FreeText"/>) refuse it on its field, and <see cref="TypedTextKept"/> shows it again.
/// </summary>
[HtmlTargetElement("form", Attributes = "method")]
public sealed class MultipartFormTagHelper : TagHelper
{
    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (string.Equals(context.AllAttributes["method"]?.Value?.ToString(), "post", StringComparison.OrdinalIgnoreCase)
            && !context.AllAttributes.ContainsName("enctype"))
        {
            output.Attributes.SetAttribute("enctype", "multipart/form-data");
        }
    }
}

/// <summary>
/// A form shown again (a refusal: the handler answered with the page) shows what was typed without
/// the characters <see cref="FreeText"/> refuses, which a browser would show as � or not at all: the
/// handler has already refused them on their field, and the person sees their text as it can be kept.
/// </summary>
public sealed class TypedTextKept : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Result is not PageResult || executed.HandlerInstance is not PageModel model)
        {
            return;
        }
        foreach (var bound in context.ActionDescriptor.BoundProperties)
        {
            if (bound is not IPropertyInfoParameterDescriptor { PropertyInfo: { CanRead: true, CanWrite: true } property })
            {
                continue;
            }
            switch (property.GetValue(model))
            {
                case string text when FreeText.HasControlCharacters(text):
                    property.SetValue(model, FreeText.WithoutControlCharacters(text));
                    break;
                case List<string> texts:
                    for (var i = 0; i < texts.Count; i++)
                    {
                        if (texts[i] is { } typed)
                        {
                            texts[i] = FreeText.WithoutControlCharacters(typed);
                        }
                    }
                    break;
            }
        }
    }
}
