using Chaperone.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages.Account;

/// <summary>Staff who have forgotten their password ask for a link to choose a new one (<see cref="ForgottenPasswords"/>).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class ForgottenPasswordModel(ForgottenPasswords forgotten) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public FormErrors Errors { get; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = await forgotten.RequestAsync(new ForgottenPasswordRequest(Email), ct);
        Errors.AddAll(errors, field => field);
        Sent = errors.Count == 0;
        return Page();
    }
}
