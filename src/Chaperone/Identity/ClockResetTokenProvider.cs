using System.Security.Cryptography;
using System.Text.Json;
using Chaperone.People;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Chaperone.Identity;

/// <summary>
/// The tokens of password resets (the link a forgotten password is emailed, and an admin's
/// reset; a new account's invitation): the account, the purpose, the account's security stamp and when the token was issued,
/// protected by ASP.NET Core Data Protection (so every instance sharing the key ring reads them)
/// and checked against the injected <see cref="TimeProvider"/>. Identity's own provider reads the
/// machine clock. A token works for <see cref="Lifespan"/> (an invitation <see cref="InvitationLifespan"/>), and once: setting the password changes
/// the security stamp, as does any other password change, and so voids every token issued before.
/// </summary>
public sealed class ClockResetTokenProvider(IDataProtectionProvider protection, TimeProvider clock) : IUserTwoFactorTokenProvider<StaffMember>
{
    public const string Name = "ChaperoneReset";

    public static readonly TimeSpan Lifespan = TimeSpan.FromHours(1);

    /// <summary>How long a new account's invitation to choose a password works (<see cref="ForgottenPasswords.InvitationPurpose"/>).</summary>
    public static readonly TimeSpan InvitationLifespan = TimeSpan.FromDays(7);

    /// <summary>How long a token of <paramref name="purpose"/> works.</summary>
    public static TimeSpan LifespanOf(string purpose) => purpose == ForgottenPasswords.InvitationPurpose ? InvitationLifespan : Lifespan;

    private readonly IDataProtector _protector = protection.CreateProtector("Chaperone.Identity.ResetToken");

    private sealed record Payload(Guid UserId, string Purpose, string Stamp, DateTimeOffset IssuedAt);

    public Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<StaffMember> manager, StaffMember user) => Task.FromResult(false);

    public async Task<string> GenerateAsync(string purpose, UserManager<StaffMember> manager, StaffMember user)
    {
        var payload = new Payload(user.Id, purpose, await manager.GetSecurityStampAsync(user) ?? "", clock.GetUtcNow());
        return WebEncoders.Base64UrlEncode(_protector.Protect(JsonSerializer.SerializeToUtf8Bytes(payload)));
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<StaffMember> manager, StaffMember user)
    {
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(WebEncoders.Base64UrlDecode(token)));
        }
        catch (Exception e) when (e is FormatException or CryptographicException or JsonException)
        {
            // Not one of ours, or tampered with, or from a key ring since retired.
            return false;
        }
        var now = clock.GetUtcNow();
        return payload is not null && payload.UserId == user.Id && payload.Purpose == purpose
            && payload.IssuedAt <= now && now - payload.IssuedAt <= LifespanOf(purpose)
            && payload.Stamp == (await manager.GetSecurityStampAsync(user) ?? "");
    }
}
