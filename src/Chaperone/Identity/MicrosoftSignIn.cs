using System.Net;
using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using System.IdentityModel.Tokens.Jwt;

namespace Chaperone.Identity;

/// <summary>
/// Optional sign-in with the school's Microsoft Entra ID accounts (<c>Entra:*</c>): OpenID Connect,
/// authorization code with PKCE. Only the school's own directory can vouch for an address: either one
/// directory for the whole installation (<c>Entra:TenantId</c> a GUID; a token from any other tenant
/// fails its issuer check), or each school's own, which its admin names
/// (<c>Entra:TenantId=organizations</c>, <see cref="School.MicrosoftTenantId"/>; a token is taken only
/// for an account in a school of the token's tenant). The first sign-in links the Microsoft account
/// (its object id) to the Chaperone account of the same address (<c>preferred_username</c>); later
/// ones find it by that link. Roles, leavers, two-factor sign-in and the choice of one's own password
/// are Chaperone's, as with a password. Microsoft is always asked to let the person choose the account,
/// so a shared computer does not sign the next person in as the last.
/// </summary>
public static class MicrosoftSignIn
{
    public const string Scheme = "Microsoft";
    public const string DisplayName = "Microsoft";
    public const string StartPath = "/signin/microsoft";
    public const string CallbackPath = "/signin-microsoft";

    /// <summary>Where Microsoft's sign-out comes back to (register it with the app registration, beside <see cref="CallbackPath"/>).</summary>
    public const string SignedOutCallbackPath = "/signedout-microsoft";

    /// <summary>The word for <c>Entra:TenantId</c> that lets each school name its own directory.</summary>
    public const string EachSchoolsDirectory = "organizations";

    /// <summary>
    /// The installation's app registration for sign-in: the instance (such as https://login.microsoftonline.com/)
    /// and, with one directory for the installation, its tenant id; null: each school names its own.
    /// </summary>
    public sealed record Settings(Uri Instance, Guid? Tenant, string ClientId, string ClientSecret)
    {
        public Uri Authority => new(Instance, $"{(Tenant is { } t ? t.ToString("D") : EachSchoolsDirectory)}/v2.0");

        /// <summary>The issuer of a token from the given tenant, as Microsoft writes it.</summary>
        public string IssuerOf(Guid tenant) => new Uri(Instance, $"{tenant:D}/v2.0").ToString();
    }

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
        var tenantSetting = configuration["Entra:TenantId"]?.Trim();
        Guid? tenant = Guid.TryParse(tenantSetting, out var one) ? one
            : string.Equals(tenantSetting, EachSchoolsDirectory, StringComparison.OrdinalIgnoreCase) ? null
            : throw new InvalidOperationException($"Entra:TenantId must be the schools' directory (tenant) id, a GUID, or \"{EachSchoolsDirectory}\" for each school's own directory, named by its admin: only a school's own directory may vouch for its staff's addresses.");
        var instance = configuration["Entra:Instance"] is { Length: > 0 } configured ? configured : "https://login.microsoftonline.com/";
        if (!Uri.TryCreate(instance.TrimEnd('/') + "/", UriKind.Absolute, out var root)
            || !(root.Scheme == Uri.UriSchemeHttps || (root.Scheme == Uri.UriSchemeHttp && IsLoopback(root))))
        {
            throw new InvalidOperationException($"Entra:Instance is \"{instance}\": it must be an https address (such as https://login.microsoftonline.com/).");
        }
        return new Settings(root, tenant, clientId.Trim(), secret);
    }

    private static Guid? TenantOf(SecurityToken token) =>
        (token switch
        {
            JsonWebToken jwt when jwt.TryGetPayloadValue<string>("tid", out var tid) => tid,
            JwtSecurityToken jwt => jwt.Payload.TryGetValue("tid", out var tid) ? tid as string : null,
            _ => null,
        }) is { } value && Guid.TryParse(value, out var tenant) ? tenant : null;

    private static bool IsLoopback(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    public static AuthenticationBuilder AddMicrosoftSignIn(this AuthenticationBuilder auth, IConfiguration configuration)
    {
        if (From(configuration) is not { } settings)
        {
            return auth;
        }
        auth.Services.AddSingleton(settings);
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
            o.SignedOutCallbackPath = SignedOutCallbackPath;
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.Scope.Add("email");
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.MapInboundClaims = false;
            o.TokenValidationParameters.NameClaimType = "name";
            if (settings.Tenant is null)
            {
                // Microsoft's multi-tenant discovery names no one issuer: a token must come from the
                // issuer of its own tenant. Which school that tenant serves is checked on the way back.
                o.TokenValidationParameters.IssuerValidator = (issuer, token, _) =>
                    TenantOf(token) is { } tenant && issuer == settings.IssuerOf(tenant)
                        ? issuer
                        : throw new SecurityTokenInvalidIssuerException("The token's issuer is not the issuer of its own tenant.") { InvalidIssuer = issuer };
            }
            foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
            {
                cookie.SameSite = SameSiteMode.Lax;
                cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Relative, so the browser's clock decides and not the server's.
                cookie.MaxAge = o.RemoteAuthenticationTimeout;
            }
            o.Events.OnRedirectToIdentityProvider = context =>
            {
                // Whoever sits at the computer chooses the account: a shared one does not sign the next person in as the last.
                context.ProtocolMessage.Prompt = "select_account";
                return Task.CompletedTask;
            };
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
    /// first use, to the active account of the address the school's directory gives for it. With each
    /// school's own directory, the account's school must name the token's tenant, on every sign-in.
    /// </summary>
    public static async Task<Outcome> CompleteAsync(SignInManager<StaffMember> signIn, UserManager<StaffMember> users, ChaperoneDbContext db, Settings? settings)
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        if (settings is null || info is null || info.LoginProvider != Scheme)
        {
            return new Outcome.Refused(NotFinished);
        }
        var address = info.Principal.FindFirstValue("preferred_username") ?? info.Principal.FindFirstValue("email");
        var tenant = Guid.TryParse(info.Principal.FindFirstValue("tid"), out var tid) ? tid : (Guid?)null;
        var noAccount = settings.Tenant is null
            ? $"There is no Chaperone account for {address ?? "this Microsoft account"} that signs in with this Microsoft directory. Ask your school's Chaperone admin."
            : $"There is no Chaperone account for {address ?? "this Microsoft account"}. Ask your school's Chaperone admin to add you, with this address.";
        var user = await users.FindByLoginAsync(Scheme, info.ProviderKey);
        if (user is null)
        {
            user = address is { Length: > 0 and <= 320 } ? await StaffAccess.FindForSignInAsync(users, db, address, "Microsoft") : null;
            if (user is null)
            {
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused(noAccount);
            }
            if (!await DirectoryServesAsync(db, settings, user, tenant))
            {
                await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "Microsoft", "not the school's Microsoft directory");
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused(noAccount);
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
            AuditLog.Record(db, user.SchoolId, new AuditActor(user.Id, user.Name), AuditActions.MicrosoftAccountLinked, AuditSubjects.Staff, Infrastructure.Ids.Format(user.Id),
                new { address, tenant });
            await db.SaveChangesAsync();
        }
        else if (user.AccessEndedAt is not null || !await DirectoryServesAsync(db, settings, user, tenant))
        {
            await TwoFactor.AuditSignInAsync(db, user, succeeded: false, "Microsoft", user.AccessEndedAt is not null ? "access ended" : "not the school's Microsoft directory");
            await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
            return new Outcome.Refused(noAccount);
        }

        if (user.MustChangePassword && await users.HasPasswordAsync(user))
        {
            // The one-time password an admin set is not needed by someone who signs in with Microsoft:
            // withdrawn, rather than left about as a password someone else knows (the owner may still
            // choose one of their own through "Forgotten your password?").
            user.MustChangePassword = false;
            AuditLog.Record(db, user.SchoolId, new AuditActor(user.Id, user.Name), AuditActions.OneTimePasswordWithdrawn, AuditSubjects.Staff, Infrastructure.Ids.Format(user.Id));
            if (!(await users.RemovePasswordAsync(user)).Succeeded)
            {
                db.ChangeTracker.Clear();
                await signIn.Context.SignOutAsync(IdentityConstants.ExternalScheme);
                return new Outcome.Refused(NotFinished);
            }
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

    /// <summary>
    /// Whether the token's directory may vouch for this account: with one directory for the
    /// installation the issuer check has already held it to that one; otherwise the account's school
    /// must have named the token's tenant as its own.
    /// </summary>
    private static async Task<bool> DirectoryServesAsync(ChaperoneDbContext db, Settings settings, StaffMember user, Guid? tenant) =>
        settings.Tenant is not null
        || (tenant is { } t && await db.Schools.AnyAsync(s => s.Id == user.SchoolId && s.MicrosoftTenantId == t));
}
