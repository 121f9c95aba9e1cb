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
        await signIn.SignOutAsync();
        TempData["Notice"] = "You have signed out.";
        return LocalRedirect("/signin");
    }
}
