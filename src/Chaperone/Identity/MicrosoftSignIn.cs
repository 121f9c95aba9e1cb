using System.Net;
using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Chaperone.Identity;

/// <summary>
/// Optional sign-in with the school's Microsoft Entra ID accounts (<c>Entra:*</c>): OpenID Connect,
/// authorization code with PKCE, against one tenant, so that only the school's own directory can
/// vouch for an address (a token from any other tenant fails its issuer check). The first sign-in
/// links the Microsoft account (its object id) to the Chaperone account of the same address
/// (<c>preferred_username</c>); later ones find it by that link. Roles, leavers, two-factor sign-in
/// and the choice of one's own password are Chaperone's, as with a password.
/// </summary>
public static class MicrosoftSignIn
{
    public const string Scheme = "Microsoft";
    public const string DisplayName = "Microsoft";
    public const string StartPath = "/signin/microsoft";
    public const string CallbackPath = "/signin-microsoft";

    /// <summary>The installation's app registration for sign-in.</summary>
    public sealed record Settings(Uri Authority, string ClientId, string ClientSecret);

    /// <summary>The settings, or null when sign-in with Microsoft is off (no <c>Entra:ClientId</c>); a half-made setting stops the app saying what to fix.</summary>
    public static Settings? From(IConfiguration configuration)
    {
        var clientId = configuration["Entra:ClientId"];
        if (string.IsNullOrWhiteSpace(clientId))
        {
            return null;
        }
        var secret = configuration["Entra:ClientSecret"];
        if (string.IsNullOrWhiteSpace(secret))
        {
            throw new InvalidOperationException("Entra:ClientId is set but Entra:ClientSecret is not: give the app registration's client secret, or remove Entra:ClientId to turn sign-in with Microsoft off.");
        }
        if (!Guid.TryParse(configuration["Entra:TenantId"], out var tenant))
        {
            throw new InvalidOperationException("Entra:TenantId must be the school's directory (tenant) id, a GUID: only that directory may vouch for its staff's addresses.");
        }
        var instance = configuration["Entra:Instance"] is { Length: > 0 } configured ? configured : "https://login.microsoftonline.com/";
        if (!Uri.TryCreate(instance.TrimEnd('/') + "/", UriKind.Absolute, out var root)
            || !(root.Scheme == Uri.UriSchemeHttps || (root.Scheme == Uri.UriSchemeHttp && IsLoopback(root))))
        {
            throw new InvalidOperationException($"Entra:Instance is \"{instance}\": it must be an https address (such as https://login.microsoftonline.com/).");
        }
        return new Settings(new Uri(root, $"{tenant:D}/v2.0"), clientId.Trim(), secret);
    }

    private static bool IsLoopback(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    public static AuthenticationBuilder AddMicrosoftSignIn(this AuthenticationBuilder auth, IConfiguration configuration)
    {
        if (From(configuration) is not { } settings)
        {
            return auth;
        }
        auth.AddOpenIdConnect(Scheme, DisplayName, o =>
        {
            o.Authority = settings.Authority.ToString();
            o.RequireHttpsMetadata = settings.Authority.Scheme == Uri.UriSchemeHttps;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            // The answer comes back as a top-level GET, so the correlation and nonce cookies can be
            // SameSite=Lax (a form post from Microsoft's site would need SameSite=None).
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CallbackPath = CallbackPath;
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.Scope.Add("email");
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.MapInboundClaims = false;
            o.TokenValidationParameters.NameClaimType = "name";
            foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
            {
                cookie.SameSite = SameSiteMode.Lax;
                cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Relative, so the browser's clock decides and not the server's.
                cookie.MaxAge = o.RemoteAuthenticationTimeout;
            }
            o.Events.OnTokenValidated = context =>
            {
                // The Microsoft account is known by its object id in the tenant, which never changes
                // (an address can); Identity keeps the link under the name identifier.
                var principal = context.Principal!;
                if (principal.FindFirstValue("oid") is { Length: > 0 } oid && principal.Identity is ClaimsIdentity identity)
                {
                    identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, oid));
                }
                return Task.CompletedTask;
            };
            o.Events.OnRemoteFailure = context =>
            {
                // Cancelled at Microsoft, or an answer that did not check out: back to sign in, saying so.
                context.Response.Redirect("/signin?microsoft=failed");
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
        // Tokens' lifetimes are checked on the app's clock.
        auth.Services.AddOptions<OpenIdConnectOptions>(Scheme).Configure<TimeProvider>((o, clock) =>
            o.TokenValidationParameters.LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires is not null
                    && (notBefore is null || notBefore.Value <= now + parameters.ClockSkew)
                    && expires.Value >= now - parameters.ClockSkew;
            });
        return auth;
    }

    public static void MapMicrosoftSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(StartPath, async (string? returnUrl, IAuthenticationSchemeProvider schemes, SignInManager<StaffMember> signIn) =>
        {
            if (await schemes.GetSchemeAsync(Scheme) is null)
            {
                return Results.Redirect("/signin");
            }
            var back = Pages.SignInMicrosoftModel.PagePath + (string.IsNullOrEmpty(returnUrl) ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl));
            // Identity's own properties: they name the provider, which the way back reads (GetExternalLoginInfoAsync).
            return Results.Challenge(signIn.ConfigureExternalAuthenticationProperties(Scheme, back), [Scheme]);
        }).AllowAnonymous().ExcludeFromDescription().RequireRateLimiting(RateLimits.Login);
    }

    /// <summary>How a completed Microsoft sign-in ends.</summary>
    public abstract record Outcome
    {
        /// <summary>Signed in (or half-signed-in, waiting for the second factor).</summary>
        public sealed record SignedIn(StaffMember User, bool NeedsSecondFactor) : Outcome;

        public sealed record Refused(string Message) : Outcome;
    }

    public const string NotFinished = "The sign-in with Microsoft did not finish. Try again.";

    /// <summary>
    /// Signs in the member of staff the Microsoft account is linked to, linking it first, on its
    /// first use, to the active account of the address the school's directory gives for it.
    /// </summary>
    public static async Task<Outcome> CompleteAsync(SignInManager<StaffMember> signIn, UserManager<StaffMember> users, ChaperoneDbContext db)
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null || info.LoginProvider != Scheme)
        {
            return new Outcome.Refused(NotFinished);
        }
        var address = info.Principal.FindFirstValue("preferred_username") ?? info.Principal.FindFirstValue("email");
        var user = await users.FindByLoginAsync(Scheme, info.ProviderKey);
        if (user is null)
        {
            user = address is { Length: > 0 and <= 320 } ? await StaffAccess.FindForSignInAsync(users, db, address, "Microsoft") : null;
            if (user is null)
            {
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused($"There is no Chaperone account for {address ?? "this Microsoft account"}. Ask your school's Chaperone admin to add you, with this address.");
            }
            if (await users.GetLoginsAsync(user) is { Count: > 0 } logins && logins.Any(l => l.LoginProvider == Scheme))
            {
                // The address's account is already linked to another Microsoft account: not taken over by this one.
                await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "Microsoft", "linked to another Microsoft account");
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused($"The Chaperone account for {address} is linked to another Microsoft account. Ask your school's Chaperone admin.");
            }
            var linked = await users.AddLoginAsync(user, new UserLoginInfo(Scheme, info.ProviderKey, DisplayName));
            if (!linked.Succeeded)
            {
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused(NotFinished);
            }
            AuditLog.Record(db, user.SchoolId, new AuditActor(user.Id, user.Name), AuditActions.MicrosoftAccountLinked, AuditSubjects.Staff, Infrastructure.Ids.Format(user.Id), new { address });
            await db.SaveChangesAsync();
        }
        else if (user.AccessEndedAt is not null)
        {
            await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "Microsoft", "access ended");
            await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
            return new Outcome.Refused($"There is no Chaperone account for {address ?? "this Microsoft account"}. Ask your school's Chaperone admin to add you, with this address.");
        }

        var result = await signIn.ExternalLoginSignInAsync(Scheme, info.ProviderKey, isPersistent: false, bypassTwoFactor: false);
        if (result.Succeeded || result.RequiresTwoFactor)
        {
            await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
            if (result.Succeeded)
            {
                await TwoFactor.AuditSignInAsync(db, user, succeeded: true, "Microsoft");
            }
            return new Outcome.SignedIn(user, result.RequiresTwoFactor);
        }
        await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "Microsoft", result.IsLockedOut ? "locked out" : "not allowed");
        await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
        return new Outcome.Refused(result.IsLockedOut ? AuthEndpoints.LockedOut : NotFinished);
    }
}
