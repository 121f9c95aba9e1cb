using System.Security.Claims;
using Chaperone.Identity;
using Chaperone.People;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages;

/// <summary>Staff sign in with email and password (and an authenticator code where two-factor is on).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class SignInModel(SignInManager<StaffMember> signIn, UserManager<StaffMember> users, Storage.ChaperoneDbContext db, UnknownAccounts unknown,
    IAuthenticationSchemeProvider schemes) : PageModel
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

    /// <summary><c>code</c>: a sign-in with Microsoft that needs the second factor.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Step { get; set; }

    /// <summary><c>failed</c>: a sign-in with Microsoft that did not finish; <c>signed-out</c>: signed out of a sign-in made with Microsoft.</summary>
    [BindProperty(SupportsGet = true, Name = "microsoft")]
    public string? MicrosoftResult { get; set; }

    /// <summary>Whether staff may sign in with their school's Microsoft account here (<see cref="MicrosoftSignIn"/>).</summary>
    public bool OffersMicrosoft { get; private set; }

    /// <summary>Whether to offer to sign out of Microsoft too (just signed out of a sign-in made with Microsoft).</summary>
    public bool OffersMicrosoftSignOut => OffersMicrosoft && MicrosoftResult == SignedOutOfMicrosoftSignIn;

    public const string SignedOutOfMicrosoftSignIn = "signed-out";

    public FormErrors Errors { get; } = new();

    public override async Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        OffersMicrosoft = await schemes.GetSchemeAsync(MicrosoftSignIn.Scheme) is not null;
        await next();
    }

    public async Task OnGetAsync()
    {
        if (Step == "code" && await signIn.GetTwoFactorAuthenticationUserAsync() is not null)
        {
            NeedsCode = true;
        }
        if (MicrosoftResult == "failed")
        {
            Errors.Add("microsoft", MicrosoftSignIn.NotFinished);
        }
    }

    /// <summary>
    /// Signs out of Microsoft on this browser too (its end-session endpoint), and comes back here:
    /// on a shared computer the next person would otherwise find the last one's Microsoft account
    /// still signed in.
    /// </summary>
    public IActionResult OnPostMicrosoftSignOut()
    {
        if (!OffersMicrosoft)
        {
            return LocalRedirect("/signin");
        }
        TempData["Notice"] = "You have signed out of Chaperone and of Microsoft.";
        return SignOut(new AuthenticationProperties { RedirectUri = "/signin" }, MicrosoftSignIn.Scheme);
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
            return await OnwardAsync(this, users, user, ReturnUrl);
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
        // The first factor: the password, or the school's Microsoft account (kept in the half-signed-in cookie).
        var first = (await HttpContext.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme)).Principal?.FindFirstValue(ClaimTypes.AuthenticationMethod) == MicrosoftSignIn.Scheme
            ? "Microsoft" : "password";
        // Six digits from the app, or else one of the account's recovery codes.
        var result = code.Length == 6
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(Code!.Trim().ToUpperInvariant());
        await TwoFactor.AuditSignInAsync(db, user, result.Succeeded, code.Length == 6 ? $"{first} and authenticator code" : $"{first} and recovery code",
            result.Succeeded ? null : result.IsLockedOut ? "locked out" : "wrong two-factor code");
        if (result.Succeeded)
        {
            return Onward(user);
        }
        Errors.Add("code", result.IsLockedOut ? AuthEndpoints.LockedOut : "That code is not right; check your authenticator app and try again.");
        return Page();
    }

    private LocalRedirectResult Onward(StaffMember user) => Onward(this, user, ReturnUrl);

    /// <summary>
    /// After a first factor alone (a password, or the school's Microsoft account): a DSL or senior
    /// leader without two-factor sign-in is sent to turn it on (they cannot read concerns without
    /// it); anyone else goes on (<see cref="Onward(PageModel, StaffMember, string?)"/>).
    /// </summary>
    public static async Task<IActionResult> OnwardAsync(PageModel page, UserManager<StaffMember> users, StaffMember user, string? returnUrl)
    {
        if (await TwoFactor.IsRequiredForAsync(users, user))
        {
            page.TempData["Notice"] = "Your role needs two-factor sign-in: turn it on now to read concerns.";
            return page.LocalRedirect(TwoFactor.PagePath + "?returnUrl=" + Uri.EscapeDataString(Next(user, returnUrl, page.Url)));
        }
        return Onward(page, user, returnUrl);
    }

    private static LocalRedirectResult Onward(PageModel page, StaffMember user, string? returnUrl)
    {
        if (user.MustChangePassword)
        {
            page.TempData["Notice"] = "Choose your own password before you go on.";
        }
        return page.LocalRedirect(Next(user, returnUrl, page.Url));
    }

    /// <summary>Where a completed sign-in goes next: on, or first to choose their own password when an admin set the one they have.</summary>
    private static string Next(StaffMember user, string? returnUrl, IUrlHelper url) => user.MustChangePassword
        ? Account.PasswordModel.PagePath + "?returnUrl=" + Uri.EscapeDataString(SafeReturnUrl(returnUrl, url))
        : SafeReturnUrl(returnUrl, url);

    public static string SafeReturnUrl(string? returnUrl, IUrlHelper url) => !string.IsNullOrEmpty(returnUrl) && url.IsLocalUrl(returnUrl) ? returnUrl : "/sessions";
}
