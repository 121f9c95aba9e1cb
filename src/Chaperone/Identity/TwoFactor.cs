using System.Security.Claims;
using System.Text;
using Chaperone.Audit;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using QRCoder;

namespace Chaperone.Identity;

/// <summary>
/// Two-factor sign-in with an authenticator app (TOTP). DSL and SLT must sign in with it: until
/// they have turned it on they can do nothing else (<see cref="StaffAccessMiddleware"/>), and
/// concerns, subject access exports and holds ask for it again in their own policies; anyone may
/// turn it on.
/// </summary>
public static class TwoFactor
{
    /// <summary>The <c>amr</c> claim (RFC 8176) a sign-in carries; <c>mfa</c> when a second factor was used.</summary>
    public const string AmrClaim = "amr";
    public const string Mfa = "mfa";
    public const string Issuer = "Chaperone";
    public const int RecoveryCodeCount = 10;

    /// <summary>Where staff turn two-factor sign-in on and off.</summary>
    public const string PagePath = "/account/two-factor";

    /// <summary>Roles that must sign in with a second factor, and may not turn it off.</summary>
    public static IReadOnlyList<string> RequiredFor { get; } = [Roles.Dsl, Roles.Slt];

    public static bool IsRequiredFor(ClaimsPrincipal user) => RequiredFor.Any(user.IsInRole);

    public static async Task<bool> IsRequiredForAsync(UserManager<StaffMember> users, StaffMember user)
    {
        foreach (var role in RequiredFor)
        {
            if (await users.IsInRoleAsync(user, role))
            {
                return true;
            }
        }
        return false;
    }

    public static bool SignedInWithTwoFactors(ClaimsPrincipal user) => user.HasClaim(AmrClaim, Mfa);

    /// <summary>The key as people type it: groups of four, lower case.</summary>
    public static string Readable(string key)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(key.AsSpan(i, Math.Min(4, key.Length - i)));
        }
        return sb.ToString().ToLowerInvariant();
    }

    /// <summary>The key as an authenticator app reads it from a QR code (the "Key Uri Format").</summary>
    public static string OtpAuthUri(string email, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(email)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The URI as a QR code, a PNG made here (nothing is fetched from elsewhere), as a data: URL.</summary>
    public static string QrCodeDataUrl(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>Codes typed with spaces or dashes, as apps show them, made plain.</summary>
    public static string? Clean(string? code) =>
        code?.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();

    /// <summary>
    /// Gives the account a new authenticator key. The step of the last code accepted belonged to
    /// the old key, so it goes too: the new key's first code is accepted even inside the same 30 s.
    /// </summary>
    public static async Task NewKeyAsync(UserManager<StaffMember> users, StaffMember user)
    {
        user.LastAuthenticatorStep = null;
        await users.ResetAuthenticatorKeyAsync(user);
    }

    /// <summary>Checks a code from the authenticator app, or else one of the account's recovery codes (used up).</summary>
    public static async Task<bool> CheckCodeAsync(UserManager<StaffMember> users, StaffMember user, string? code)
    {
        var clean = Clean(code);
        if (string.IsNullOrEmpty(clean) || clean.Length > 20)
        {
            return false;
        }
        if (await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, clean))
        {
            return true;
        }
        return clean.Length != 6 && (await users.RedeemTwoFactorRecoveryCodeAsync(user, code!.Trim().ToUpperInvariant())).Succeeded;
    }

    /// <summary>Records a sign-in, or a failed one, in the member of staff's school's audit trail, and saves it.</summary>
    public static async Task AuditSignInAsync(ChaperoneDbContext db, StaffMember user, bool succeeded, string how, string? reason = null)
    {
        AuditLog.Record(db, user.SchoolId, new AuditActor(user.Id, user.Name), succeeded ? AuditActions.SignedIn : AuditActions.SignInFailed,
            AuditSubjects.Staff, Infrastructure.Ids.Format(user.Id), reason is null ? new { how } : new { how, reason });
        // Only the audit entry is saved here. An account change Identity could not save (a
        // concurrent sign-in had changed the account first) stays unsaved, as Identity reported.
        if (db.Entry(user) is { State: EntityState.Modified } account)
        {
            account.State = EntityState.Unchanged;
        }
        await using var write = await WriteTransaction.BeginAsync(db, CancellationToken.None);
        await db.SaveChangesAsync();
        await write.CommitAsync(CancellationToken.None);
    }
}
