using Chaperone.Identity;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Account;

/// <summary>The signed-in member of staff changes their own password (<see cref="ChangePassword"/>); those given one by an admin are sent here when they sign in.</summary>
public sealed class PasswordModel(UserManager<StaffMember> users, SignInManager<StaffMember> signIn, ChaperoneDbContext db) : PageModel
{
    public const string PagePath = "/account/password";

    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool SetByAdmin { get; private set; }

    public FormErrors Errors { get; } = new();

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }
        SetByAdmin = user.MustChangePassword;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var errors = await ChangePassword.RunAsync(users, signIn, db, User, new ChangePasswordRequest(CurrentPassword, NewPassword), refreshCookie: true);
        if (errors.Count > 0)
        {
            Errors.AddAll(errors, field => field == "currentPassword" ? "current-password" : "new-password");
            SetByAdmin = (await users.GetUserAsync(User))?.MustChangePassword == true;
            return Page();
        }
        TempData["Notice"] = "Your password is changed. Your sign-ins in other browsers and apps have ended.";
        return LocalRedirect(!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/sessions");
    }
}
