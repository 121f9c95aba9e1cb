using Chaperone.Audit;
using Chaperone.Demo;
using Chaperone.Families;
using Chaperone.Notifications;
using Chaperone.Calls;
using Chaperone.Compliance;
using Chaperone.Concerns;
using Chaperone.Recordings;
using Chaperone.Records;
using Chaperone.Retention;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Chaperone.Storage;
using Chaperone.Teams;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Chaperone.Infrastructure;

/// <summary>Program.cs in two calls: what the app is made of, and how requests flow through it.</summary>
public static class AppSetup
{
    public static WebApplicationBuilder AddChaperone(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var data = DataDirectory.From(builder.Configuration);
        services.AddSingleton(data);
        services.TryAddSingleton(TimeProvider.System);
        services.AddChaperoneAudit();
        services.AddChaperoneStorage(builder.Configuration, data);
        services.AddChaperoneDataProtection(builder.Configuration, data);
        services.AddChaperoneIdentity(builder.Configuration);
        services.AddChaperoneRateLimits(builder.Configuration);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Detail ??= DefaultDetail(context.ProblemDetails.Status);
            // The framework names no type for 429 (the rate limiter's answer); API.md wants one on every problem.
            if (context.ProblemDetails.Status == StatusCodes.Status429TooManyRequests)
            {
                context.ProblemDetails.Type ??= "https://www.rfc-editor.org/rfc/rfc6585#section-4";
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Outside Development, minimal APIs answer a binding failure with a bare 400 and no body;
        // throwing instead lets BadRequestExceptionHandler name the field, in every environment.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Chaperone API";
            document.Info.Description = "Safe 1:1 teacher–pupil video calls: the school's video call policy as software. Sign in with POST /api/v1/auth/login and send the token as 'Authorization: Bearer …'.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer" };
            return Task.CompletedTask;
        }));
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", AuthPolicies.Staff);
            o.Conventions.AllowAnonymousToPage("/SignIn");
            o.Conventions.AllowAnonymousToPage("/SignInMicrosoft");
            o.Conventions.AllowAnonymousToPage("/Account/ForgottenPassword");
            o.Conventions.AllowAnonymousToPage("/Account/ResetPassword");
            o.Conventions.AllowAnonymousToPage("/Account/AcceptRole");
            o.Conventions.AllowAnonymousToPage("/Denied");
            o.Conventions.AllowAnonymousToPage("/Status");
            o.Conventions.AuthorizeFolder("/Admin", AuthPolicies.Admin);
            // Guardians have no account: their link is their key (Families/FamilyLinks).
            o.Conventions.AllowAnonymousToFolder("/Family");
        }).AddMvcOptions(o => o.Filters.Add<TypedTextKept>());
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 4 * 1024 * 1024);

        services.AddSingleton<Families.FamilyLinks>();
        services.AddScoped<Families.OpenFamilyLink>();
        services.AddChaperoneNotifications(builder.Configuration, data);
        services.AddScoped<BookSession>();
        services.AddScoped<CheckBooking>();
        services.AddScoped<RescheduleSession>();
        services.AddScoped<CancelSession>();
        services.AddScoped<ClosedDaySessions>();
        services.AddScoped<CancelHostedSessions>();
        services.AddScoped<FindSlots>();
        services.AddTeams();
        services.AddChaperoneCalls(builder.Configuration);
        services.AddChaperoneTelemetry(builder.Configuration);
        services.AddChaperoneConcerns(builder.Configuration);
        services.AddChaperoneHealth(builder.Configuration);
        services.AddRecords();
        services.AddComplianceOverview();
        services.AddRetention();
        return builder;
    }

    /// <summary>Every problem has a detail (API.md), including those written for a bare status such as a 401 challenge.</summary>
    private static string DefaultDetail(int? status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be understood.",
        StatusCodes.Status401Unauthorized => "Sign in first: send 'Authorization: Bearer <accessToken>' from POST /api/v1/auth/login.",
        StatusCodes.Status403Forbidden => "Your role does not allow this.",
        StatusCodes.Status404NotFound => "There is nothing at this address.",
        StatusCodes.Status405MethodNotAllowed => "This address does not take that method.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
        StatusCodes.Status429TooManyRequests => "Too many requests; wait a minute and try again.",
        _ => "The request could not be completed.",
    };

    public static async Task PrepareAsync(this WebApplication app)
    {
        var config = app.Configuration;
        // A wrong recordings store setting stops the app here, saying what to fix, not at the first recording.
        _ = app.Services.GetRequiredService<Recordings.IRecordingBlobs>();
        var migrateOnStart = config.GetValue<bool?>("Database:MigrateOnStart")
            ?? StorageSetup.ProviderFrom(config) == DatabaseProvider.Sqlite;
        if (migrateOnStart)
        {
            await app.Services.MigrateAsync();
        }
        if (config.GetValue<bool>("Demo:Seed"))
        {
            var data = app.Services.GetRequiredService<DataDirectory>();
            var password = await DemoSchool.SeedAsync(app.Services, config, data);
            app.Logger.LogInformation("Demo school '{School}' is ready: sign in as teacher1@{Domain} (or admin@, head@, dsl@, teacher2@, teacher3@).", DemoSchool.Name, DemoSchool.Domain);
            if (await DemoCall.SeedAsync(app.Services) is { } familyLink)
            {
                app.Logger.LogInformation("A demo call for teacher1@{Domain} opens now; the family joins at {Link}", DemoSchool.Domain, new Uri(familyLink, familyLink.AbsolutePath + "/call"));
            }
            if (DemoSchool.GeneratedPassword(config))
            {
                app.Logger.LogWarning("Demo password (generated, kept in {File}): {Password}", data.Combine("demo-password.txt"), password);
            }
            if (DemoSchool.GeneratedTotpSecret(config))
            {
                app.Logger.LogWarning("Authenticator key of dsl@ and head@ (generated, kept in {File}): {Key}", data.Combine("demo-totp-secret.txt"), DemoSchool.TotpSecret(config, data));
            }
        }
    }

    public static WebApplication UseChaperone(this WebApplication app)
    {
        // An unexpected failure answers the API with a problem that reveals nothing, and a person
        // on a page with the friendly page (the status page, re-executed), never with JSON.
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseExceptionHandler());
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), pages => pages.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/Status",
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        }));
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), pages => pages.UseStatusCodePagesWithReExecute("/Status", "?code={0}"));
        app.UseFamilyPrivacy();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseStaffAccess();
        app.UseAuthorization();

        app.MapHealth();
        // The pages name their icon; a browser or tool asking the old way (the API reference, a bookmark) is sent to it.
        app.MapGet("/favicon.ico", () => Results.Redirect("/favicon.svg", permanent: true)).AllowAnonymous().ExcludeFromDescription();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(o => o.WithTitle("Chaperone API")).AllowAnonymous();
        // Every operation of the API says in the OpenAPI document which problems it may answer (ApiResponses).
        var api = app.MapGroup("").WithApiProblems();
        api.MapAuth();
        api.MapMicrosoftSignIn();
        api.MapMicrosoftDirectory();
        api.MapPolicy();
        api.MapTerms();
        api.MapPeople();
        api.MapManagePeople();
        api.MapSessions();
        api.MapFamily();
        api.MapTeams();
        api.MapAudit();
        api.MapNotifications();
        api.MapCalls();
        api.MapCallSettings();
        api.MapRecordings();
        api.MapConcerns();
        app.MapConcernHub();
        api.MapRecords();
        api.MapComplianceOverview();
        api.MapRetention();
        app.MapRazorPages();
        return app;
    }
}
