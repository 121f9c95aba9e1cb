using System.Security.Claims;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages;

/// <summary>Signing out is a POST (with the antiforgery token), so a link elsewhere cannot sign anyone out.</summary>
public sealed class SignOutModel(SignInManager<StaffMember> signIn) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        // Identity notes how the sign-in was made; one made with Microsoft is offered Microsoft's sign-out too.
        var withMicrosoft = User.HasClaim(ClaimTypes.AuthenticationMethod, Identity.MicrosoftSignIn.Scheme);
        await signIn.SignOutAsync();
        TempData["Notice"] = "You have signed out.";
        return LocalRedirect(withMicrosoft ? "/signin?microsoft=" + SignInModel.SignedOutOfMicrosoftSignIn : "/signin");
    }
}
