using Chaperone.People;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace Chaperone.Identity;

/// <summary>
/// Authenticator-app codes (TOTP, RFC 6238: HMAC-SHA1, six digits, 30-second steps, one step
/// either side for clock drift) checked against the injected <see cref="TimeProvider"/>.
/// Identity's own authenticator provider reads the machine clock, which neither a test clock
/// nor a deliberately set clock can reach. The shared key is Identity's authenticator key
/// (base32), so keys enrolled through <see cref="UserManager{TUser}"/> work unchanged.
/// A code is accepted once (RFC 6238, section 5.2): the account keeps the step of the last code it
/// accepted and refuses that step and earlier ones, so a code read over someone's shoulder or
/// caught in transit cannot be replayed inside its window. The step is taken by one conditional
/// update, so of requests racing with one code exactly one succeeds.
/// </summary>
public sealed class ClockTotpTokenProvider(TimeProvider clock, ChaperoneDbContext db) : IUserTwoFactorTokenProvider<StaffMember>
{
    public const string Name = "ChaperoneAuthenticator";

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<StaffMember> manager, StaffMember user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>The current code (what the person's app shows now); Chaperone itself never sends one.</summary>
    public async Task<string> GenerateAsync(string purpose, UserManager<StaffMember> manager, StaffMember user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        return key is null ? "" : Code(key, clock.GetUtcNow());
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<StaffMember> manager, StaffMember user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrWhiteSpace(key) || token.Length != 6 || !token.All(char.IsAsciiDigit))
        {
            return false;
        }
        if (!new Totp(Base32Encoding.ToBytes(key)).VerifyTotp(clock.GetUtcNow().UtcDateTime, token, out var step, new VerificationWindow(previous: 1, future: 1))
            || step <= user.LastAuthenticatorStep)
        {
            return false;
        }
        var taken = await db.Users
            .Where(u => u.Id == user.Id && (u.LastAuthenticatorStep == null || u.LastAuthenticatorStep < step))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LastAuthenticatorStep, step));
        if (taken == 0)
        {
            return false;
        }
        // As stored, so that a later save of the account neither writes it again nor takes it back.
        user.LastAuthenticatorStep = step;
        if (db.Entry(user) is { State: not EntityState.Detached } account)
        {
            account.Property(u => u.LastAuthenticatorStep).OriginalValue = step;
        }
        return true;
    }

    /// <summary>The code an authenticator app shows for <paramref name="base32Key"/> at <paramref name="at"/>.</summary>
    public static string Code(string base32Key, DateTimeOffset at) => new Totp(Base32Encoding.ToBytes(base32Key)).ComputeTotp(at.UtcDateTime);
}
