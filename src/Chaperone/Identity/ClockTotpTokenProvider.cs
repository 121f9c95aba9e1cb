using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace Chaperone.Identity;

/// <summary>
/// Authenticator-app codes (TOTP, RFC 6238: HMAC-SHA1, six digits, 30-second steps, one step
/// either side for clock drift) checked against the injected <see cref="TimeProvider"/>.
/// Identity's own authenticator provider reads the machine clock, which neither a test clock
/// nor a deliberately set clock can reach. The shared key is Identity's authenticator key
/// (base32), so keys enrolled through <see cref="UserManager{TUser}"/> work unchanged.
/// </summary>
public sealed class ClockTotpTokenProvider(TimeProvider clock) : IUserTwoFactorTokenProvider<StaffMember>
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
        return new Totp(Base32Encoding.ToBytes(key)).VerifyTotp(clock.GetUtcNow().UtcDateTime, token, out _, new VerificationWindow(previous: 1, future: 1));
    }

    /// <summary>The code an authenticator app shows for <paramref name="base32Key"/> at <paramref name="at"/>.</summary>
    public static string Code(string base32Key, DateTimeOffset at) => new Totp(Base32Encoding.ToBytes(base32Key)).ComputeTotp(at.UtcDateTime);
}
