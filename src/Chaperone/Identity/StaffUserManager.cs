using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Chaperone.Identity;

/// <summary>
/// Identity's user manager, with its lockout on the app's clock. Identity reads the machine's clock
/// to lock an account after too many failed sign-ins and to tell whether it still is; here both
/// read the injected <see cref="TimeProvider"/>, as the rest of the app does, so that a lockout
/// and its end are measured on the same clock as everything else (and <see cref="UnknownAccounts"/>,
/// which mirrors it for addresses with no account).
/// Every saved change to an account makes this instance read its standing again
/// (<see cref="StaffAccess"/>), so that a new security stamp or an ended access holds here at once.
/// </summary>
public sealed class StaffUserManager(
    IUserStore<StaffMember> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<StaffMember> passwordHasher,
    IEnumerable<IUserValidator<StaffMember>> userValidators,
    IEnumerable<IPasswordValidator<StaffMember>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<StaffMember>> logger,
    TimeProvider clock,
    StaffAccess access)
    : UserManager<StaffMember>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    private IUserLockoutStore<StaffMember> LockoutStore =>
        Store as IUserLockoutStore<StaffMember> ?? throw new NotSupportedException("The user store keeps no lockout.");

    protected override async Task<IdentityResult> UpdateUserAsync(StaffMember user)
    {
        var updated = await base.UpdateUserAsync(user);
        access.Forget(user.Id);
        return updated;
    }

    public override async Task<bool> IsLockedOutAsync(StaffMember user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfDisposed();
        if (!await LockoutStore.GetLockoutEnabledAsync(user, CancellationToken))
        {
            return false;
        }
        return await LockoutStore.GetLockoutEndDateAsync(user, CancellationToken) >= clock.GetUtcNow();
    }

    public override async Task<IdentityResult> AccessFailedAsync(StaffMember user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfDisposed();
        var count = await LockoutStore.IncrementAccessFailedCountAsync(user, CancellationToken);
        if (count >= Options.Lockout.MaxFailedAccessAttempts)
        {
            await LockoutStore.SetLockoutEndDateAsync(user, clock.GetUtcNow().Add(Options.Lockout.DefaultLockoutTimeSpan), CancellationToken);
            await LockoutStore.ResetAccessFailedCountAsync(user, CancellationToken);
        }
        return await UpdateUserAsync(user);
    }
}
