using System.Collections.Concurrent;
using System.Net;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Chaperone.Identity;

/// <summary>
/// Sign-ins that name no account, refused as an account's wrong password is, so that the answer
/// does not tell which addresses have accounts:
/// <list type="bullet">
/// <item>as slowly: the password is still hashed, which costs what checking it against an
/// account's hash costs;</item>
/// <item>with the same lockout: after as many failures as lock an account
/// (<see cref="LockoutOptions.MaxFailedAccessAttempts"/>), the address is answered "too many
/// failed attempts" for as long as an account would be locked, without hashing, as a locked
/// account is. Otherwise an address that never locked would be one without an account.</item>
/// </list>
/// No school's audit trail can hold such a sign-in, so it goes to the log with the client's
/// address (not the address typed, which may be a mistyped password).
/// </summary>
/// <remarks>The counts are kept in this instance's memory, for at most <see cref="Capacity"/>
/// addresses; those idle for longer than a lockout are let go first. An account's count is in the
/// database, shared by every instance; here each instance counts its own, so behind a load
/// balancer that spreads one address's tries over several instances, an address with no account
/// takes more tries to lock than an account does.</remarks>
public sealed partial class UnknownAccounts(IOptions<IdentityOptions> identity, TimeProvider clock, ILogger<UnknownAccounts> log)
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    private sealed record Failures(int Count, DateTimeOffset LockedUntil, DateTimeOffset Last);

    /// <summary>Refuses a sign-in as <paramref name="email"/>, which names no account; true when the answer is that the address is locked out.</summary>
    public bool Refuse(UserManager<StaffMember> users, string email, string password, IPAddress? from)
    {
        SignInNamedNoAccount(log, from?.ToString() ?? "unknown");
        var key = users.NormalizeEmail(email) ?? email;
        var now = clock.GetUtcNow();
        if (_failures.TryGetValue(key, out var seen) && seen.LockedUntil >= now)
        {
            return true;
        }
        users.PasswordHasher.HashPassword(new StaffMember { Name = "" }, password);
        var lockout = identity.Value.Lockout;
        var failures = _failures.AddOrUpdate(key,
            _ => Failed(0),
            (_, before) => Failed(before.Count));
        if (_failures.Count > Capacity)
        {
            LetGo(now - lockout.DefaultLockoutTimeSpan);
        }
        return failures.LockedUntil >= now;

        Failures Failed(int before) => before + 1 >= lockout.MaxFailedAccessAttempts
            ? new Failures(0, now + lockout.DefaultLockoutTimeSpan, now)
            : new Failures(before + 1, DateTimeOffset.MinValue, now);
    }

    private void LetGo(DateTimeOffset idleSince)
    {
        foreach (var (key, failures) in _failures)
        {
            if (failures.Last < idleSince)
            {
                _failures.TryRemove(key, out _);
            }
        }
        // A flood of fresh addresses: start again rather than grow without bound.
        if (_failures.Count > Capacity)
        {
            _failures.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sign-in named no account, from {Client}.")]
    private static partial void SignInNamedNoAccount(ILogger log, string client);
}
