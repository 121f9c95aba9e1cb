using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;

namespace Chaperone.Identity;

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>
/// A member of staff changes their own password: the current one proves it is them, the new one
/// meets the password rules (at least 10 characters, as the NCSC advises length over
/// composition) and differs from the current one; a wrong current password counts towards the
/// account's lockout, as at sign-in. The change is audited, and gives the account a
/// new security stamp, which ends every other sign-in (<see cref="StaffAccess"/>).
/// </summary>
public static class ChangePassword
{
    /// <summary>Changes the password; answers the fields to fix (<c>currentPassword</c>, <c>newPassword</c>), none when changed.</summary>
    public static async Task<Dictionary<string, string[]>> RunAsync(
        UserManager<StaffMember> users, SignInManager<StaffMember> signIn, ChaperoneDbContext db, ClaimsPrincipal principal, ChangePasswordRequest request, bool refreshCookie)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword) || request.CurrentPassword.Length > 1000)
        {
            errors["currentPassword"] = ["Enter your current password."];
        }
        if (string.IsNullOrEmpty(request.NewPassword) || request.NewPassword.Length > 1000)
        {
            errors["newPassword"] = ["Enter a new password of at least 10 characters."];
        }
        else if (request.NewPassword == request.CurrentPassword)
        {
            errors["newPassword"] = ["Choose a password different from the current one."];
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        var user = await users.GetUserAsync(principal) ?? throw new InvalidOperationException("A signed-in member of staff has no account.");
        if (await users.IsLockedOutAsync(user))
        {
            return new() { ["currentPassword"] = [AuthEndpoints.LockedOut] };
        }
        user.MustChangePassword = false;
        AuditLog.Record(db, principal, AuditActions.PasswordChanged, AuditSubjects.Staff, user.Id);
        // Checks the current password and the new one's rules, then saves the new hash, the audit
        // entry and a new security stamp together.
        var changed = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        if (!changed.Succeeded)
        {
            // Nothing of a refused change is kept.
            db.ChangeTracker.Clear();
            if (!changed.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)))
            {
                return new() { ["newPassword"] = [string.Join(" ", changed.Errors.Select(e => e.Description))] };
            }
            // A wrong current password counts towards the lockout, as at sign-in: a sign-in left
            // open is no way to guess the password behind it.
            var account = await users.GetUserAsync(principal) ?? user;
            await users.AccessFailedAsync(account);
            return new() { ["currentPassword"] = [await users.IsLockedOutAsync(account) ? AuthEndpoints.LockedOut : "That is not your current password."] };
        }
        if (refreshCookie)
        {
            // This sign-in carries on with the new stamp.
            await signIn.RefreshSignInAsync(user);
        }
        return errors;
    }
}
