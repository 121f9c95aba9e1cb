using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Retention;

public sealed record FaceToFaceRequest(string? Date);
public sealed record RetentionPeriodsRequest(int? ConcernsYearsAfterBirth, int? InterventionRecordsYears);
public sealed record HoldRequest(string? Reason);
public sealed record DeletionDto(string Id, DateTimeOffset At, string Kind, string SubjectId, string? SessionId, string What, string Why, string? ContentHash);
/// <summary>A provider's copy still to be deleted, with why the last attempt failed (never silently forgotten).</summary>
public sealed record PendingProviderCopyDto(string RecordingId, string SessionId, string Provider, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt);
public sealed record DeletionRegisterDto(IReadOnlyList<DeletionDto> Items, int Total, int Page, int PageSize, int PendingRecordings, IReadOnlyList<PendingProviderCopyDto> PendingProviderCopies);

/// <summary>Clause 2 and records management: the face-to-face date, retention periods, holds and the deletion register.</summary>
public static class RetentionEndpoints
{
    public static void MapRetention(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/retention").WithTags("Retention").RequireAuthorization(AuthPolicies.Admin);
        admin.MapPost("/face-to-face-resumed", SetDate).WithName("SetFaceToFaceResumed")
            .WithSummary("Records the date face-to-face teaching resumed: recordings made before it are deleted on it (at once if it has passed), except those on hold.")
            .Produces<RetentionSettingsDto>().ProducesValidationProblem();
        admin.MapGet("/settings", (ClaimsPrincipal user, RetentionCommands commands, CancellationToken ct) => commands.ViewAsync(user.SchoolId(), ct))
            .WithName("GetRetentionSettings").WithSummary("The face-to-face date and the retention period of each record type.");
        admin.MapPut("/settings", SetPeriods).WithName("SetRetentionPeriods").WithSummary("Sets the retention period of each record type.")
            .Produces<RetentionSettingsDto>().ProducesValidationProblem();
        app.MapGet("/api/v1/retention/deletions", Register).WithTags("Retention").RequireAuthorization(AuthPolicies.RetentionReader)
            .WithName("DeletionRegister").WithSummary("The deletion register (newest first): what was deleted, when, why, and its content hash; and what is still to be deleted.");

        var dsl = app.MapGroup("/api/v1/recordings/{id}/hold").WithTags("Retention").RequireAuthorization(AuthPolicies.Dsl);
        dsl.MapPost("", Hold).WithName("HoldRecording").WithSummary("The DSL keeps a recording past retention, with the reason.")
            .Produces<RecordingEndpoints.RecordingDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        dsl.MapDelete("", Lift).WithName("LiftRecordingHold").WithSummary("The DSL lifts a hold.")
            .Produces<RecordingEndpoints.RecordingDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SetDate(FaceToFaceRequest? body, ClaimsPrincipal user, RetentionCommands commands, CancellationToken ct)
    {
        var outcome = await commands.SetFaceToFaceDateAsync(user, body?.Date, ct);
        return outcome is RetentionOutcome.Done ? TypedResults.Ok(await commands.ViewAsync(user.SchoolId(), ct)) : ToProblem(outcome);
    }

    private static async Task<IResult> SetPeriods(RetentionPeriodsRequest? body, ClaimsPrincipal user, RetentionCommands commands, CancellationToken ct)
    {
        var outcome = await commands.SetPeriodsAsync(user, body?.ConcernsYearsAfterBirth, body?.InterventionRecordsYears, ct);
        return outcome is RetentionOutcome.Done ? TypedResults.Ok(await commands.ViewAsync(user.SchoolId(), ct)) : ToProblem(outcome);
    }

    private static async Task<IResult> Hold(string id, HoldRequest? body, ClaimsPrincipal user, RetentionCommands commands, ChaperoneDbContext db, CancellationToken ct)
    {
        var outcome = await commands.HoldAsync(user, id, body?.Reason, ct);
        return outcome is RetentionOutcome.Done ? await ViewAsync(db, user, id, ct) : ToProblem(outcome);
    }

    private static async Task<IResult> Lift(string id, ClaimsPrincipal user, RetentionCommands commands, ChaperoneDbContext db, CancellationToken ct)
    {
        var outcome = await commands.LiftHoldAsync(user, id, ct);
        return outcome is RetentionOutcome.Done ? await ViewAsync(db, user, id, ct) : ToProblem(outcome);
    }

    private static async Task<IResult> ViewAsync(ChaperoneDbContext db, ClaimsPrincipal user, string id, CancellationToken ct)
    {
        var recordingId = Guid.ParseExact(id.Trim(), "D"); // the command has just found it by this id
        var recording = await db.Set<Recording>().AsNoTracking().FirstAsync(r => r.Id == recordingId, ct);
        return TypedResults.Ok(RecordingEndpoints.RecordingDto.From(recording, user));
    }

    public static IResult ToProblem(RetentionOutcome outcome) => outcome switch
    {
        RetentionOutcome.Invalid invalid => Problems.Validation(invalid.Errors),
        RetentionOutcome.Missing missing => Problems.NotFound(missing.Detail),
        RetentionOutcome.WrongState state => Problems.Validation(new Dictionary<string, string[]> { ["id"] = [state.Detail] }, state.Detail),
        _ => TypedResults.Ok(),
    };

    private static async Task<IResult> Register(int? page, int? pageSize, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1)
        {
            errors["page"] = ["Pages are numbered from 1."];
        }
        if (pageSize is < 1 or > 500)
        {
            errors["pageSize"] = ["Give a page size from 1 to 500."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return TypedResults.Ok(await DeletionRegister.ReadAsync(db, user.SchoolId(), page ?? 1, pageSize ?? 100, ct));
    }
}

/// <summary>Reads a school's deletion register (the API and the page).</summary>
public static class DeletionRegister
{
    public static async Task<DeletionRegisterDto> ReadAsync(ChaperoneDbContext db, Guid schoolId, int page, int pageSize, CancellationToken ct)
    {
        var query = db.Set<DeletionRecord>().AsNoTracking().Where(d => d.SchoolId == schoolId);
        var total = await query.CountAsync(ct);
        // A page past the end is empty; counted in long, a page far past it cannot wrap round to a negative offset.
        var skip = (page - 1L) * pageSize;
        var items = skip >= total ? [] : await query.OrderByDescending(d => d.At).ThenByDescending(d => d.Id).Skip((int)skip).Take(pageSize).ToListAsync(ct);
        var recordings = db.Set<Recording>().AsNoTracking().Where(r => r.SchoolId == schoolId);
        var pending = await recordings.CountAsync(r => r.DeletionPendingAt != null, ct);
        var copies = await recordings.Where(r => r.ProviderHoldsCopy && (r.DeletionPendingAt != null || r.DeletedAt != null)).OrderBy(r => r.StartedAt)
            .Select(r => new { r.Id, r.SessionId, r.Provider, r.ProviderCopyAttempts, r.ProviderCopyError, r.ProviderCopyNextAttemptAt })
            .ToListAsync(ct);
        return new DeletionRegisterDto(
            items.Select(d => new DeletionDto(Ids.Format(d.Id), d.At, d.Kind, Ids.Format(d.SubjectId), d.SessionId is { } s ? Ids.Format(s) : null, d.What, d.Why, d.ContentHash)).ToList(),
            total, page, pageSize, pending,
            copies.Select(r => new PendingProviderCopyDto(Ids.Format(r.Id), Ids.Format(r.SessionId), r.Provider, r.ProviderCopyAttempts, r.ProviderCopyError, r.ProviderCopyNextAttemptAt)).ToList());
    }
}

public static class RetentionSetup
{
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddSingleton<RetentionSignal>();
        services.AddSingleton<RecordingDeletion>();
        services.AddSingleton<RetentionJob>();
        services.AddScoped<RetentionCommands>();
        // The record types retention applies to, each its own applier.
        services.AddScoped<IRetentionApplier, FaceToFaceRecordingsApplier>();
        services.AddScoped<IRetentionApplier, InterventionRecordsApplier>();
        services.AddScoped<IRetentionApplier, ConcernsApplier>();
        services.AddScoped<IRetentionApplier, PasswordLinksApplier>();
        services.AddScoped<IRetentionApplier, RoleOfferLinksApplier>();
        services.AddScoped<IRetentionApplier, SafeguardingRoleNoticesApplier>();
        services.AddSingleton<RetentionWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionWorker>());
        return services;
    }
}
