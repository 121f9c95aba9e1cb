using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Account;

/// <summary>
/// A page of a link emailed to a member of staff, where they choose a new password: a forgotten
/// password's (<see cref="ResetPasswordModel"/>), or an offered role's (<see cref="AcceptRoleModel"/>).
/// A link that cannot be used is said on opening it, before anyone types a password, and again if it
/// runs out while they type; the new password's errors are shown beside it (<c>_NewPasswordField</c>).
/// </summary>
public abstract class PasswordFromLinkModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    /// <summary>Whether the link can still be used; when not, the page says so instead of showing the form.</summary>
    public bool Usable { get; private set; } = true;

    public FormErrors Errors { get; } = new();

    /// <summary>Whether the link's token can still be used.</summary>
    protected abstract Task<bool> IsUsableAsync();

    /// <summary>Sets the new password through the link: the fields to fix (<c>token</c>, <c>newPassword</c>), none when done.</summary>
    protected abstract Task<Dictionary<string, string[]>> SetAsync(CancellationToken ct);

    /// <summary>What the sign-in page says once it is done.</summary>
    protected abstract string Done { get; }

    public async Task OnGetAsync() => Usable = await IsUsableAsync();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var errors = await SetAsync(ct);
        if (errors.Count == 0)
        {
            TempData["Notice"] = Done;
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
