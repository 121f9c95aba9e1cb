using Chaperone.Identity;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages;

/// <summary>Staff sign in with email and password (and an authenticator code where two-factor is on).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class SignInModel(SignInManager<StaffMember> signIn, UserManager<StaffMember> users) : PageModel
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
        var user = await users.FindByEmailAsync(Email!.Trim());
        if (user is null)
        {
            Errors.Add("email", WrongCredentials);
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(user, Password!, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(SafeReturnUrl());
        }
        if (result.RequiresTwoFactor)
        {
            NeedsCode = true;
            return Page();
        }
        Errors.Add("email", result.IsLockedOut ? "Too many failed attempts; try again in a few minutes." : WrongCredentials);
        return Page();
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        NeedsCode = true;
        var code = Code?.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(code) || code.Length > 10)
        {
            Errors.Add("code", "Enter the code from your authenticator app.");
            return Page();
        }
        if (await signIn.GetTwoFactorAuthenticationUserAsync() is null)
        {
            // The half-signed-in cookie has gone (it lasts minutes): start again.
            NeedsCode = false;
            Errors.Add("email", "Sign in again: the sign-in took too long.");
            return Page();
        }
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            return LocalRedirect(SafeReturnUrl());
        }
        Errors.Add("code", result.IsLockedOut ? "Too many failed attempts; try again in a few minutes." : "That code is not right; check your authenticator app and try again.");
        return Page();
    }

    private string SafeReturnUrl() => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/sessions";
}
