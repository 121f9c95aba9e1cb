using Chaperone.People;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages.Account;

/// <summary>
/// The page of the link emailed with an offer of the DSL or senior leader role: the member accepts
/// it by choosing a new password of their own (<see cref="SafeguardingRoleGrants.AcceptAsync"/>).
/// </summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class AcceptRoleModel(SafeguardingRoleGrants grants) : PasswordFromLinkModel
{
    [BindProperty(SupportsGet = true)]
    public string? Grant { get; set; }

    protected override Task<bool> IsUsableAsync() => grants.IsUsableAsync(Grant, Token);

    protected override Task<Dictionary<string, string[]>> SetAsync(CancellationToken ct) => grants.AcceptAsync(new AcceptRoleRequest(Grant, Token, NewPassword), ct);

    protected override string Done => "The role is yours, with your new password. Sign in with it, then set up two-factor sign-in with your authenticator app.";
}
