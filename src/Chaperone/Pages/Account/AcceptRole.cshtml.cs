using Chaperone.People;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages.Account;

/// <summary>
/// The page of the link emailed with an offer of the DSL or senior leader role: the member accepts
/// it by choosing a new password of their own (<see cref="SafeguardingRoleGrants.AcceptAsync"/>).
/// </summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class AcceptRoleModel(SafeguardingRoleGrants grants) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Grant { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    /// <summary>Whether the offer can still be accepted; when not, the page says so before anyone types a password.</summary>
    public bool Usable { get; private set; } = true;

    public FormErrors Errors { get; } = new();

    public async Task OnGetAsync() => Usable = await grants.IsUsableAsync(Grant, Token);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = await grants.AcceptAsync(new AcceptRoleRequest(Grant, Token, NewPassword), ct);
        if (errors.Count == 0)
        {
            TempData["Notice"] = "The role is yours, with your new password. Sign in with it, then set up two-factor sign-in with your authenticator app.";
            return LocalRedirect("/signin");
        }
        Usable = !errors.ContainsKey("token");
        if (Usable)
        {
            Errors.AddAll(errors, field => field == "newPassword" ? "new-password" : field);
        }
        return Page();
    }
}
