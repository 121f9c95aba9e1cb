using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Identity;

/// <summary>
/// How the school's staff may sign in with Microsoft. <c>directory</c>: <c>off</c> (the installation
/// has no app registration for it), <c>installation</c> (one directory for every school, named by
/// <c>Entra:TenantId</c>) or <c>school</c> (each school's own, <c>tenantId</c> below, named by its admin;
/// null: nobody signs in to this school with Microsoft yet).
/// </summary>
public sealed record MicrosoftSignInDto(string Directory, string? TenantId);

/// <summary>The school's own Microsoft directory (tenant) id, a GUID; empty or null: none.</summary>
public sealed record MicrosoftDirectoryRequest(string? TenantId);

/// <summary>
/// The admin's side of sign-in with Microsoft for an installation that serves schools with their own
/// directories (<see cref="MicrosoftSignIn"/>): naming the school's tenant, whose accounts may then
/// sign in to the school's Chaperone accounts of the same address. Called by the API and the page.
/// </summary>
public static class MicrosoftDirectory
{
    public const string Off = "off";
    public const string Installation = "installation";
    public const string EachSchool = "school";

    /// <summary>The tenant Microsoft's personal accounts (outlook.com and the like) share: never a school's directory.</summary>
    public static readonly Guid PersonalAccounts = new("9188040d-6c67-4c5b-b112-36a304b66dad");

    public static async Task<MicrosoftSignInDto> GetAsync(ChaperoneDbContext db, MicrosoftSignIn.Settings? settings, Guid schoolId, CancellationToken ct) => settings switch
    {
        null => new(Off, null),
        { Tenant: { } installation } => new(Installation, installation.ToString("D")),
        _ => new(EachSchool, (await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.MicrosoftTenantId).SingleAsync(ct))?.ToString("D")),
    };

    public abstract record Outcome
    {
        public sealed record Saved(MicrosoftSignInDto Setting) : Outcome;

        public sealed record Invalid(Dictionary<string, string[]> Errors) : Outcome;

        /// <summary>The installation does not let schools name their own directory.</summary>
        public sealed record NotOwnDirectory(string Message) : Outcome;
    }

    /// <summary>Names (or clears) the school's directory, noted in the audit trail. Accounts linked from another directory stop signing in.</summary>
    public static async Task<Outcome> SetAsync(ChaperoneDbContext db, MicrosoftSignIn.Settings? settings, ClaimsPrincipal admin, MicrosoftDirectoryRequest request, CancellationToken ct)
    {
        if (settings is not { Tenant: null })
        {
            return new Outcome.NotOwnDirectory(settings is null
                ? "Sign in with Microsoft is not set up for this installation (Entra:ClientId)."
                : "Every school of this installation signs in with the one directory named by Entra:TenantId.");
        }
        var text = request.TenantId?.Trim() ?? "";
        Guid? tenant = null;
        if (text.Length > 0)
        {
            if (!Guid.TryParse(text, out var parsed))
            {
                return Invalid("Give the directory (tenant) id as the Microsoft Entra admin centre shows it on the directory's overview: 32 letters and digits in five groups, like 72f988bf-86f1-41af-91ab-2d7cd011db47.");
            }
            if (parsed == PersonalAccounts || parsed == Guid.Empty)
            {
                return Invalid("That is not a school's directory: give the tenant id of the school's own Microsoft 365 directory.");
            }
            tenant = parsed;
        }
        var schoolId = admin.SchoolId();
        var school = await db.Schools.SingleAsync(s => s.Id == schoolId, ct);
        if (school.MicrosoftTenantId != tenant)
        {
            AuditLog.Record(db, schoolId, AuditActor.From(admin), AuditActions.MicrosoftDirectorySet, AuditSubjects.School, Ids.Format(schoolId),
                new { from = school.MicrosoftTenantId, to = tenant });
            school.MicrosoftTenantId = tenant;
            await db.SaveChangesAsync(ct);
        }
        return new Outcome.Saved(new(EachSchool, tenant?.ToString("D")));
    }

    private static async Task<IResult> Put(MicrosoftDirectoryRequest request, ClaimsPrincipal user, ChaperoneDbContext db, [FromServices] MicrosoftSignIn.Settings? settings, CancellationToken ct) =>
        await SetAsync(db, settings, user, request, ct) switch
        {
            Outcome.Saved saved => TypedResults.Ok(saved.Setting),
            Outcome.Invalid invalid => Problems.Validation(invalid.Errors),
            Outcome.NotOwnDirectory refused => Problems.State(refused.Message, "This installation does not let schools name their own Microsoft directory."),
            _ => throw new InvalidOperationException("An outcome of naming the school's directory was not handled."),
        };

    private static Outcome.Invalid Invalid(string message) => new(new() { ["tenantId"] = [message] });

    public static void MapMicrosoftDirectory(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/microsoft-sign-in").WithTags("Sign in with Microsoft").RequireAuthorization(AuthPolicies.Admin);
        // The settings are there only where sign-in with Microsoft is on: an optional service.
        group.MapGet("", async (ClaimsPrincipal user, ChaperoneDbContext db, [FromServices] MicrosoftSignIn.Settings? settings, CancellationToken ct) =>
                TypedResults.Ok(await GetAsync(db, settings, user.SchoolId(), ct)))
            .WithName("GetMicrosoftSignIn").WithSummary("How the school's staff may sign in with Microsoft: off, with the installation's one directory, or with the school's own (its tenant id).");
        group.MapPut("", Put).WithName("SetMicrosoftSignInDirectory").WithSummary("Name the school's own Microsoft directory (tenant id), whose accounts may then sign in to the school's accounts of the same address; empty: none (admin; only where Entra:TenantId is \"organizations\").");
    }
}
