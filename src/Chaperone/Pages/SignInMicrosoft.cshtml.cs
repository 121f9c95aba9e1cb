using Chaperone.Identity;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages;

/// <summary>Where a sign-in with Microsoft comes back to (<see cref="MicrosoftSignIn"/>): on into Chaperone, to the second factor, or a page saying why not.</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class SignInMicrosoftModel(SignInManager<StaffMember> signIn, UserManager<StaffMember> users, Storage.ChaperoneDbContext db, IServiceProvider services) : PageModel
{
    public const string PagePath = "/signin/microsoft/done";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string Refusal { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        switch (await MicrosoftSignIn.CompleteAsync(signIn, users, db, services.GetService<MicrosoftSignIn.Settings>()))
        {
            case MicrosoftSignIn.Outcome.SignedIn { NeedsSecondFactor: true }:
                return LocalRedirect($"/signin?step=code&returnUrl={Uri.EscapeDataString(SignInModel.SafeReturnUrl(ReturnUrl, Url))}");
            case MicrosoftSignIn.Outcome.SignedIn { User: var user }:
                return await SignInModel.OnwardAsync(this, users, user, ReturnUrl);
            case MicrosoftSignIn.Outcome.Refused { Message: var message }:
                Refusal = message;
                return Page();
            default:
                throw new InvalidOperationException("An outcome of a Microsoft sign-in was not handled.");
        }
    }
}
