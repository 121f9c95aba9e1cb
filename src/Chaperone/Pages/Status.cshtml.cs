using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages;

/// <summary>The friendly page for error statuses (404, 403, …), re-executed by the status code pages middleware.</summary>
// It changes nothing, and a POST that failed its antiforgery check must still get this page.
[IgnoreAntiforgeryToken]
public sealed class StatusModel : PageModel
{
    public int Code { get; private set; }
    public string Heading { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    /// <summary>The failed request was for a family page: no staff navigation, no mention of sessions.</summary>
    public bool ForFamily { get; private set; }

    public void OnGet(int? code) => Describe(code);

    // The status code pages middleware re-executes with the original method, so a failed POST lands here too.
    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        // Re-executed for an exception, the status is the response's own (500, or a bad request's);
        // re-executed for an error status, the failed request's own: the code in the query is not
        // read when the failed POST's form cannot be read either (as one with an escaped NUL), and a
        // missing code must not make a bad request a link that does not work.
        var failure = HttpContext.Features.Get<IExceptionHandlerPathFeature>();
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        var status = failure is not null ? Response.StatusCode : reExecuted?.OriginalStatusCode ?? code;
        Code = status is >= 400 and <= 599 ? status.Value : 404;
        // The original path is already unescaped: taken as it is (a string would be unescaped again,
        // and an escaped NUL in the address would then throw).
        ForFamily = (failure?.Path ?? reExecuted?.OriginalPath) is { } original
            && original.StartsWith('/')
            && Families.FamilyEndpoints.IsFamilyPath(new PathString(original));
        if (ForFamily && Code is 404 or 400)
        {
            (Heading, Explanation) = Code == 404
                ? ("This link does not work", Families.FamilyClosed.UnknownText)
                : ("What was sent could not be read", "Your link is fine, but something in what was sent could not be read: go back, reload the page and try again. If it happens again, please contact the school office.");
            return;
        }
        (Heading, Explanation) = Code switch
        {
            400 => ("The request could not be understood", "Something in the page or link was not right. Go back and try again."),
            401 => ("Please sign in", "You need to sign in to see this page."),
            403 => ("You cannot open this page", "Your account does not have permission for it."),
            404 => ("Page not found", "There is nothing at this address, or it belongs to another school. Check the address, or go back to your sessions."),
            405 => ("That cannot be done here", "The page does not accept that kind of request."),
            429 => ("Too many attempts", "Please wait a minute and try again."),
            >= 500 => ("Sorry, something went wrong", "The problem has been logged. Please try again in a few minutes."),
            _ => ("Something went wrong", "Please go back and try again."),
        };
    }
}
