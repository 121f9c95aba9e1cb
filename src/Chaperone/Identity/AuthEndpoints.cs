using Chaperone.Infrastructure;
using Chaperone.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Chaperone.Identity;

public sealed record LoginRequest(string? Email, string? Password, string? TwoFactorCode = null);

/// <summary>Who is signed in, and what their sign-in allows.</summary>
/// <param name="TwoFactor">Whether this sign-in used two factors.</param>
/// <param name="MayReadConcerns">Whether <see cref="AuthPolicies.ConcernReader"/> lets this sign-in read concerns.</param>
public sealed record SignedInDto(string Id, string Name, IReadOnlyList<string> Roles, bool TwoFactor, bool MayReadConcerns);

/// <summary>What a request for a forgotten password's link is told, whether or not the address has an account.</summary>
public sealed record ForgottenPasswordAnswer(string Message);

public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/login", Login).WithTags("Auth").AllowAnonymous()
            .WithName("Login").WithSummary("Exchange email and password (and a two-factor code where on) for a bearer token.")
            .Produces<Microsoft.AspNetCore.Authentication.BearerToken.AccessTokenResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .RequireRateLimiting(RateLimits.Login);
        app.MapPost("/api/v1/auth/password", PostPassword).WithTags("Auth").RequireAuthorization(AuthPolicies.Staff)
            .WithName("ChangePassword").WithSummary("Change the signed-in member of staff's own password (current and new); every sign-in made before ends, and a bearer token's holder is answered with a new token.")
            .Produces<Microsoft.AspNetCore.Authentication.BearerToken.AccessTokenResponse>().Produces(StatusCodes.Status204NoContent).ProducesValidationProblem()
            .RequireRateLimiting(RateLimits.Login);
        app.MapPost("/api/v1/auth/forgotten-password", PostForgottenPassword).WithTags("Auth").AllowAnonymous()
            .WithName("ForgottenPassword").WithSummary("Email a link to choose a new password to the account at this address, if there is one (the answer is the same either way).")
            .Produces<ForgottenPasswordAnswer>(StatusCodes.Status202Accepted).ProducesValidationProblem()
            .RequireRateLimiting(RateLimits.Login);
        app.MapPost("/api/v1/auth/reset-password", PostResetPassword).WithTags("Auth").AllowAnonymous()
            .WithName("ResetPassword").WithSummary("Set a new password with the account id and token of an emailed link (it works once, within an hour).")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem()
            .RequireRateLimiting(RateLimits.Login);
        app.MapPost("/api/v1/auth/accept-role", PostAcceptRole).WithTags("Auth").AllowAnonymous()
            .WithName("AcceptRole").WithSummary("Accept the DSL or senior leader role offered by an admin, with the offer's id and token from the emailed link and a new password of one's own (it works within 7 days, while the offer stands): every sign-in made before ends, two-factor sign-in is set up again at the next sign-in, and only then is the role held.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem()
            .RequireRateLimiting(RateLimits.Login);
        app.MapGet("/api/v1/auth/me", Me).WithTags("Auth").RequireAuthorization(AuthPolicies.Staff)
            .WithName("SignedIn").WithSummary("Who is signed in, whether with two factors, and whether that sign-in may read concerns.");
    }

    private static async Task<IResult> PostPassword(ChangePasswordRequest request, System.Security.Claims.ClaimsPrincipal user, HttpContext http,
        UserManager<StaffMember> users, SignInManager<StaffMember> signIn, Storage.ChaperoneDbContext db)
    {
        // A change gives the account a new security stamp, which ends every sign-in made before it:
        // a cookie is reissued; a token's holder is answered with a new one, as at login.
        var bearer = AuthPoliciesSetup.UsesBearerToken(http.Request);
        var errors = await ChangePassword.RunAsync(users, signIn, db, user, request, refreshCookie: !bearer);
        if (errors.Count > 0)
        {
            return Infrastructure.Problems.Validation(errors);
        }
        if (!bearer)
        {
            return TypedResults.NoContent();
        }
        // How the sign-in was proven still holds.
        return await BearerSignInAsync(signIn, (await users.GetUserAsync(user))!, user.FindFirst(TwoFactor.AmrClaim)?.Value ?? "pwd");
    }

    private static async Task<IResult> PostForgottenPassword(ForgottenPasswordRequest request, ForgottenPasswords forgotten, CancellationToken ct)
    {
        var errors = await forgotten.RequestAsync(request, ct);
        return errors.Count > 0 ? Infrastructure.Problems.Validation(errors) : TypedResults.Accepted((string?)null, new ForgottenPasswordAnswer(ForgottenPasswords.LinkSent));
    }

    private static async Task<IResult> PostResetPassword(ResetPasswordRequest request, ForgottenPasswords forgotten, CancellationToken ct)
    {
        var errors = await forgotten.ResetAsync(request, ct);
        return errors.Count > 0 ? Infrastructure.Problems.Validation(errors) : TypedResults.NoContent();
    }

    private static async Task<IResult> PostAcceptRole(AcceptRoleRequest request, SafeguardingRoleGrants grants, CancellationToken ct)
    {
        var errors = await grants.AcceptAsync(request, ct);
        return errors.Count > 0 ? Infrastructure.Problems.Validation(errors) : TypedResults.NoContent();
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<SignedInDto>> Me(System.Security.Claims.ClaimsPrincipal user, Microsoft.AspNetCore.Authorization.IAuthorizationService authorization)
    {
        var concerns = await authorization.AuthorizeAsync(user, null, AuthPolicies.ConcernReader);
        return TypedResults.Ok(new SignedInDto(
            Infrastructure.Ids.Format(user.UserId()), user.DisplayName(),
            People.Roles.All.Where(user.IsInRole).ToList(), TwoFactor.SignedInWithTwoFactors(user), concerns.Succeeded));
    }

    private static async Task<IResult> Login(
        LoginRequest request, UserManager<StaffMember> users, SignInManager<StaffMember> signIn, Storage.ChaperoneDbContext db, HttpContext http, UnknownAccounts unknown)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > 320)
        {
            errors["email"] = ["Your email address is required."];
        }
        else if (request.Email.Any(char.IsControl))
        {
            // Not an email address; and PostgreSQL refuses NUL in a query parameter.
            errors["email"] = ["That is not an email address."];
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > 1000)
        {
            errors["password"] = ["Your password is required."];
        }
        if (errors.Count > 0)
        {
            return Infrastructure.Problems.Validation(errors);
        }
        var user = await StaffAccess.FindForSignInAsync(users, db, request.Email!, "api");
        if (user is null)
        {
            return Unauthorized(unknown.Refuse(users, request.Email!, request.Password!, http.Connection.RemoteIpAddress) ? LockedOut : null);
        }
        var check = await signIn.CheckPasswordSignInAsync(user, request.Password!, lockoutOnFailure: true);
        if (!check.Succeeded)
        {
            await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "api", check.IsLockedOut ? "locked out" : "wrong password");
            return Unauthorized(check.IsLockedOut ? LockedOut : null);
        }
        var twoFactor = await users.GetTwoFactorEnabledAsync(user);
        if (twoFactor && !await TwoFactor.CheckCodeAsync(users, user, request.TwoFactorCode))
        {
            await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "api", string.IsNullOrWhiteSpace(request.TwoFactorCode) ? "no two-factor code" : "wrong two-factor code");
            return Unauthorized("A valid two-factor code is required for this account.");
        }
        await TwoFactor.AuditSignInAsync(db, user, succeeded: true, twoFactor ? "api, two factors" : "api, password");
        return await BearerSignInAsync(signIn, user, twoFactor ? TwoFactor.Mfa : "pwd");
    }

    /// <summary>A bearer token for <paramref name="user"/>, saying (as the cookie sign-in does, RFC 8176) how the sign-in was proven: <c>pwd</c> or <c>mfa</c>.</summary>
    private static async Task<IResult> BearerSignInAsync(SignInManager<StaffMember> signIn, StaffMember user, string amr)
    {
        var principal = await signIn.CreateUserPrincipalAsync(user);
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(TwoFactor.AmrClaim, amr));
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>Said of an account locked after too many failed sign-ins, and of an address with no account after as many.</summary>
    public const string LockedOut = "Too many failed attempts; try again in a few minutes.";

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(string? detail = null) =>
        TypedResults.Problem(
            title: "Sign-in failed.",
            detail: detail ?? "The email address or password is not right.",
            statusCode: StatusCodes.Status401Unauthorized,
            type: "https://chaperone.school/problems/sign-in");
}
