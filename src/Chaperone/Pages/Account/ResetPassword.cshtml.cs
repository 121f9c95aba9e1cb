using Chaperone.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Chaperone.Pages.Account;

/// <summary>The page of a forgotten password's emailed link: the new password (<see cref="ForgottenPasswords"/>).</summary>
[EnableRateLimiting(RateLimits.Login)]
public sealed class ResetPasswordModel(ForgottenPasswords forgotten) : PasswordFromLinkModel
{
    [BindProperty(SupportsGet = true)]
    public new string? User { get; set; }

    protected override Task<bool> IsUsableAsync() => forgotten.IsUsableAsync(User, Token);

    protected override Task<Dictionary<string, string[]>> SetAsync(CancellationToken ct) => forgotten.ResetAsync(new ResetPasswordRequest(User, Token, NewPassword), ct);

    protected override string Done => "Your new password is set. Sign in with it.";
}
