using Chaperone.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages.Account;

/// <summary>The page of a forgotten password's emailed link: the new password (<see cref="ForgottenPasswords"/>).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class ResetPasswordModel(ForgottenPasswords forgotten) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public new string? User { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    /// <summary>Whether the link can still set a password; when not, the page says so before anyone types one.</summary>
    public bool Usable { get; private set; } = true;

    public FormErrors Errors { get; } = new();

    public async Task OnGetAsync() => Usable = await forgotten.IsUsableAsync(User, Token);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = await forgotten.ResetAsync(new ResetPasswordRequest(User, Token, NewPassword), ct);
        if (errors.Count == 0)
        {
            TempData["Notice"] = "Your new password is set. Sign in with it.";
            return LocalRedirect("/signin");
        }
        // A link that cannot be used is said as on opening it, with the way to a new one.
        Usable = !errors.ContainsKey("token");
        if (Usable)
        {
            Errors.AddAll(errors, field => field == "newPassword" ? "new-password" : field);
        }
        return Page();
    }
}
