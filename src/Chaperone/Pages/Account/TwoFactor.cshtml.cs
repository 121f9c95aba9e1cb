using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Account;

/// <summary>
/// Two-factor sign-in for the signed-in member of staff: enrol an authenticator app (key in
/// base32, an <c>otpauth://</c> URI and its QR code), confirm with a code, keep recovery codes,
/// and turn it off (except for the roles that need it). Every change is audited.
/// </summary>
public sealed class TwoFactorModel(UserManager<StaffMember> users, SignInManager<StaffMember> signIn, ChaperoneDbContext db) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool Enabled { get; private set; }
    public bool Required { get; private set; }
    public string Key { get; private set; } = "";
    public string OtpAuthUri { get; private set; } = "";
    public string QrCode { get; private set; } = "";
    public int RecoveryCodesLeft { get; private set; }
    public IReadOnlyList<string> NewRecoveryCodes { get; private set; } = [];
    public FormErrors Errors { get; } = new();

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }
        await LoadAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostEnableAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }
        var code = TwoFactor.Clean(Code);
        if (string.IsNullOrEmpty(code) || code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            Errors.Add("code", "Enter the six-digit code your authenticator app shows for Chaperone.");
        }
        else if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            Errors.Add("code", "That code is not right: check that the app shows Chaperone's current code (and that the phone's clock is right), then try again.");
        }
        if (Errors.Any)
        {
            await LoadAsync(user);
            return Page();
        }
        AuditLog.Record(db, User, AuditActions.TwoFactorEnabled, AuditSubjects.Staff, user.Id);
        await users.SetTwoFactorEnabledAsync(user, true);
        NewRecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodeCount) ?? []];
        // The code just given proves the second factor: this sign-in now counts as two-factor.
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim(TwoFactor.AmrClaim, TwoFactor.Mfa)]);
        // This response's forms (antiforgery tokens) are for the new sign-in, which the browser holds from now on.
        var principal = await signIn.CreateUserPrincipalAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(TwoFactor.AmrClaim, TwoFactor.Mfa));
        HttpContext.User = principal;
        TempData["Notice"] = "Two-factor sign-in is on.";
        await LoadAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostRecoveryCodesAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            return RedirectToPage();
        }
        AuditLog.Record(db, User, AuditActions.RecoveryCodesGenerated, AuditSubjects.Staff, user.Id);
        NewRecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodeCount) ?? []];
        await LoadAsync(user);
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }
        if (await TwoFactor.IsRequiredForAsync(users, user))
        {
            Errors.Add("", "Two-factor sign-in cannot be turned off for the designated safeguarding lead or senior leaders: they read concerns.");
            await LoadAsync(user);
            return Page();
        }
        AuditLog.Record(db, User, AuditActions.TwoFactorDisabled, AuditSubjects.Staff, user.Id);
        await users.SetTwoFactorEnabledAsync(user, false);
        // A new key, so the old one (and the app that holds it) is of no more use.
        await TwoFactor.NewKeyAsync(users, user);
        await signIn.RefreshSignInAsync(user);
        TempData["Notice"] = "Two-factor sign-in is off.";
        return RedirectToPage();
    }

    public string? SafeReturnUrl => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;

    private async Task LoadAsync(StaffMember user)
    {
        Enabled = await users.GetTwoFactorEnabledAsync(user);
        Required = await TwoFactor.IsRequiredForAsync(users, user);
        if (Enabled)
        {
            RecoveryCodesLeft = await users.CountRecoveryCodesAsync(user);
            return;
        }
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await TwoFactor.NewKeyAsync(users, user);
            // A new key is a new security stamp: this sign-in carries on with it (others end).
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        Key = key!;
        OtpAuthUri = TwoFactor.OtpAuthUri(user.Email!, Key);
        QrCode = TwoFactor.QrCodeDataUrl(OtpAuthUri);
    }
}
