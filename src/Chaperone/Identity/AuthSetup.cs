using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Chaperone.Identity;

public static class AuthPoliciesSetup
{
    public const string SmartScheme = "CookieOrBearer";

    /// <summary>
    /// Staff accounts (ASP.NET Core Identity) with roles. Pages use the cookie; the API takes the
    /// cookie or a bearer token from <c>POST /api/v1/auth/login</c>. With <c>Entra:*</c> set, staff
    /// may also sign in to the pages with their school's Microsoft account (<see cref="MicrosoftSignIn"/>).
    /// </summary>
    public static IServiceCollection AddChaperoneIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIdentity<StaffMember, IdentityRole<Guid>>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                // Length over composition rules, as the NCSC advises.
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Tokens.AuthenticatorTokenProvider = ClockTotpTokenProvider.Name;
                o.Tokens.PasswordResetTokenProvider = ClockResetTokenProvider.Name;
            })
            .AddEntityFrameworkStores<ChaperoneDbContext>()
            .AddUserManager<StaffUserManager>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<ClockTotpTokenProvider>(ClockTotpTokenProvider.Name)
            .AddTokenProvider<ClockResetTokenProvider>(ClockResetTokenProvider.Name)
            .AddClaimsPrincipalFactory<StaffClaimsFactory>();

        services.AddSingleton<UnknownAccounts>();
        services.AddScoped<ForgottenPasswords>();
        services.AddScoped<People.SafeguardingRoleGrants>();
        services.AddSingleton<PasswordLinkSignal>();
        services.AddHostedService<PasswordLinkSender>();
        services.AddSingleton<StaffAccess>();
        // Every hub's: a connection opened before its member of staff's access ended.
        services.AddSingleton<StaffAccessHubFilter>();
        services.Configure<HubOptions>(o => o.AddFilter<StaffAccessHubFilter>());

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultAuthenticateScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
                o.DefaultForbidScheme = SmartScheme;
            })
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1))
            .AddPolicyScheme(SmartScheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                UsesBearerToken(context.Request) ? IdentityConstants.BearerScheme : IdentityConstants.ApplicationScheme)
            .AddMicrosoftSignIn(configuration);

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/signin";
            o.LogoutPath = "/signout";
            o.AccessDeniedPath = "/denied";
            o.Cookie.Name = "chaperone";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            // The API answers 401/403 as problem details; only pages redirect to sign in.
            o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Staff, p => p.RequireAuthenticatedUser().RequireClaim(ChaperoneClaims.School))
            .AddPolicy(AuthPolicies.Scheduler, p => p.RequireClaim(ChaperoneClaims.School).RequireRole(Roles.Teacher, Roles.Slt, Roles.Admin))
            .AddPolicy(AuthPolicies.Admin, p => p.RequireClaim(ChaperoneClaims.School).RequireRole(Roles.Admin))
            .AddPolicy(AuthPolicies.Dsl, p => p.RequireClaim(ChaperoneClaims.School).RequireRole(Roles.Dsl))
            .AddPolicy(AuthPolicies.RetentionReader, p => p.RequireClaim(ChaperoneClaims.School).RequireRole(Roles.Admin, Roles.Dsl))
            .AddPolicy(AuthPolicies.SubjectAccess, p => p.RequireClaim(ChaperoneClaims.School).RequireRole(Roles.Slt, Roles.Dsl))
            .AddPolicy(AuthPolicies.ConcernReader, p => p.RequireClaim(ChaperoneClaims.School)
                .RequireRole(TwoFactor.RequiredFor)
                .RequireClaim(TwoFactor.AmrClaim, TwoFactor.Mfa));
        return services;
    }

    /// <summary>Whether the request signs in with a bearer token (else with the cookie).</summary>
    public static bool UsesBearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    private static Task RedirectOrStatus(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }
}

/// <summary>Authorization policy names used on endpoints and pages.</summary>
public static class AuthPolicies
{
    /// <summary>Any signed-in member of staff of a school.</summary>
    public const string Staff = "Staff";
    /// <summary>Those who book sessions: teachers (their own), senior leaders and admins (anyone's).</summary>
    public const string Scheduler = "Scheduler";
    public const string Admin = "Admin";
    /// <summary>The designated safeguarding lead (holds on recordings, clause 2); signed in with two factors, as every DSL is (<see cref="StaffAccessMiddleware"/>).</summary>
    public const string Dsl = "Dsl";
    /// <summary>Admins and the DSL: the deletion register.</summary>
    public const string RetentionReader = "RetentionReader";
    /// <summary>Senior leaders and the DSL, who read every session's record (signed in with two factors, as they all are): a pupil's or parent's subject access export.</summary>
    public const string SubjectAccess = "SubjectAccess";

    /// <summary>
    /// Those who may read concerns (clause 12): the DSL and deputies, and senior leaders, signed
    /// in with two factors (the sign-in's <c>amr</c> claim holds <c>mfa</c>). The concerns
    /// feature adds its own finer rules (who sees which kind) on top.
    /// </summary>
    public const string ConcernReader = "ConcernReader";
}

/// <summary>Adds the school and the display name to the signed-in principal (cookie and token alike).</summary>
internal sealed class StaffClaimsFactory(UserManager<StaffMember> users, RoleManager<IdentityRole<Guid>> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<StaffMember, IdentityRole<Guid>>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(StaffMember user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(ChaperoneClaims.School, Ids.Format(user.SchoolId)));
        identity.AddClaim(new Claim(ChaperoneClaims.Name, user.Name));
        return identity;
    }
}
