using System.Security.Cryptography;
using System.Text.Json;
using Chaperone.People;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Chaperone.Identity;

/// <summary>
/// The tokens of password resets (the link a forgotten password is emailed, and an admin's
/// reset; a new account's invitation): the account, the purpose, what binds the token to the account
/// and when the token was issued, protected by ASP.NET Core Data Protection (so every instance sharing
/// the key ring reads them) and checked against the injected <see cref="TimeProvider"/>. Identity's own
/// provider reads the machine clock. A token works for <see cref="Lifespan"/> (an invitation
/// <see cref="InvitationLifespan"/>), and once. A reset's token is bound to the security stamp: setting
/// the password changes it, as does any other change to the account, and so voids every token issued
/// before. An invitation is bound to the address it was sent to and to the account having no password
/// yet: an admin changing the new member's roles does not void it, but a new address, or any password
/// set (through the invitation itself, or by an admin), does. An offer of the DSL or senior leader role
/// (<see cref="SafeguardingRoleGrants"/>) is bound to the address too, and works as long as an invitation;
/// its purpose names the offer, which must still stand.
/// </summary>
public sealed class ClockResetTokenProvider(IDataProtectionProvider protection, TimeProvider clock) : IUserTwoFactorTokenProvider<StaffMember>
{
    public const string Name = "ChaperoneReset";

    public static readonly TimeSpan Lifespan = TimeSpan.FromHours(1);

    /// <summary>How long a new account's invitation to choose a password works (<see cref="ForgottenPasswords.InvitationPurpose"/>).</summary>
    public static readonly TimeSpan InvitationLifespan = TimeSpan.FromDays(7);

    /// <summary>How long a token of <paramref name="purpose"/> works.</summary>
    public static TimeSpan LifespanOf(string purpose) => IsBoundToAddress(purpose) ? InvitationLifespan : Lifespan;

    /// <summary>
    /// A new account's invitation, and an offer of a role that opens safeguarding records
    /// (<see cref="SafeguardingRoleGrants.Purpose"/>), are bound to the address they were sent to;
    /// a reset's token to the security stamp.
    /// </summary>
    private static bool IsBoundToAddress(string purpose) => purpose == ForgottenPasswords.InvitationPurpose || SafeguardingRoleGrants.IsGrantPurpose(purpose);

    private readonly IDataProtector _protector = protection.CreateProtector("Chaperone.Identity.ResetToken");

    private sealed record Payload(Guid UserId, string Purpose, string Binding, DateTimeOffset IssuedAt);

    public Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<StaffMember> manager, StaffMember user) => Task.FromResult(false);

    public async Task<string> GenerateAsync(string purpose, UserManager<StaffMember> manager, StaffMember user)
    {
        var payload = new Payload(user.Id, purpose, await BindingAsync(purpose, manager, user), clock.GetUtcNow());
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
            && (purpose != ForgottenPasswords.InvitationPurpose || !await manager.HasPasswordAsync(user))
            && payload.Binding == await BindingAsync(purpose, manager, user);
    }

    private static async Task<string> BindingAsync(string purpose, UserManager<StaffMember> manager, StaffMember user) =>
        IsBoundToAddress(purpose)
            ? "address:" + (await manager.GetEmailAsync(user))?.ToUpperInvariant()
            : await manager.GetSecurityStampAsync(user) ?? "";
}
