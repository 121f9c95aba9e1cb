using Chaperone.Identity;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages;

/// <summary>Staff sign in with email and password (and an authenticator code where two-factor is on).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class SignInModel(SignInManager<StaffMember> signIn, UserManager<StaffMember> users, Storage.ChaperoneDbContext db, UnknownAccounts unknown) : PageModel
{
    public const string WrongCredentials = "The email address or password is not right.";

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    public bool NeedsCode { get; private set; }

    public FormErrors Errors { get; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Email) || Email.Length > 320)
        {
            Errors.Add("email", "Enter your email address.");
        }
        if (string.IsNullOrEmpty(Password) || Password.Length > 1000)
        {
            Errors.Add("password", "Enter your password.");
        }
        if (Errors.Any)
        {
            return Page();
        }
        var user = await StaffAccess.FindForSignInAsync(users, db, Email!, "password");
        if (user is null)
        {
            Errors.Add("email", unknown.Refuse(users, Email!, Password!, HttpContext.Connection.RemoteIpAddress) ? AuthEndpoints.LockedOut : WrongCredentials);
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(user, Password!, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await TwoFactor.AuditSignInAsync(db, user, succeeded: true, "password");
            // A DSL or senior leader without two-factor sign-in is sent to turn it on (they cannot read concerns without it).
            if (await TwoFactor.IsRequiredForAsync(users, user))
            {
                TempData["Notice"] = "Your role needs two-factor sign-in: turn it on now to read concerns.";
                return LocalRedirect(TwoFactor.PagePath + "?returnUrl=" + Uri.EscapeDataString(Next(user)));
            }
            return Onward(user);
        }
        if (result.RequiresTwoFactor)
        {
            NeedsCode = true;
            return Page();
        }
        await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "password", result.IsLockedOut ? "locked out" : "wrong password");
        Errors.Add("email", result.IsLockedOut ? AuthEndpoints.LockedOut : WrongCredentials);
        return Page();
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        NeedsCode = true;
        var code = TwoFactor.Clean(Code);
        if (string.IsNullOrEmpty(code) || code.Length > 20)
        {
            Errors.Add("code", "Enter the code from your authenticator app.");
            return Page();
        }
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            // The half-signed-in cookie has gone (it lasts minutes): start again.
            NeedsCode = false;
            Errors.Add("email", "Sign in again: the sign-in took too long.");
            return Page();
        }
        // Six digits from the app, or else one of the account's recovery codes.
        var result = code.Length == 6
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(Code!.Trim().ToUpperInvariant());
        await TwoFactor.AuditSignInAsync(db, user, result.Succeeded, code.Length == 6 ? "password and authenticator code" : "password and recovery code",
            result.Succeeded ? null : result.IsLockedOut ? "locked out" : "wrong two-factor code");
        if (result.Succeeded)
        {
            return Onward(user);
        }
        Errors.Add("code", result.IsLockedOut ? AuthEndpoints.LockedOut : "That code is not right; check your authenticator app and try again.");
        return Page();
    }

    private LocalRedirectResult Onward(StaffMember user)
    {
        if (user.MustChangePassword)
        {
            TempData["Notice"] = "Choose your own password before you go on.";
        }
        return LocalRedirect(Next(user));
    }

    /// <summary>Where a completed sign-in goes next: on, or first to choose their own password when an admin set the one they used.</summary>
    private string Next(StaffMember user) => user.MustChangePassword
        ? Account.PasswordModel.PagePath + "?returnUrl=" + Uri.EscapeDataString(SafeReturnUrl())
        : SafeReturnUrl();

    private string SafeReturnUrl() => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/sessions";
}
