using System.Security.Claims;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chaperone.Concerns;

/// <summary>A chronology entry as the API takes it: an action (the default), an outcome or an amendment.</summary>
public sealed record ConcernEntryRequest(string? Text, string? Type);

/// <summary>Closing a concern (the outcome that closes it) or reopening one (why).</summary>
public sealed record ConcernStateRequest(string? Text);

/// <summary>
/// Clause 12 over HTTP. Any member of staff raises a concern; who reads which is
/// <see cref="ConcernAccess"/>'s rule. A concern the caller may not read answers 404 whether or
/// not it exists (and the attempt is audited); an action on one they read but may not handle, 403.
/// </summary>
public static class ConcernEndpoints
{
    public static void MapConcerns(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/concerns").WithTags("Concerns").RequireAuthorization(AuthPolicies.Staff);
        group.MapPost("/", Raise).WithName("RaiseConcern").WithSummary("Raise a behaviour or safeguarding concern; it is routed at once (clause 12).")
            .Produces<ConcernDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", List).WithName("ListConcerns").WithSummary("The concerns the caller may read, unacknowledged first (every one, or a page with ?page=&pageSize=; X-Total-Count gives how many).");
        group.MapGet("/settings", GetSettings).WithName("GetConcernSettings").WithSummary("Escalation time, headteacher and behaviour lead (admins).")
            .RequireAuthorization(AuthPolicies.Admin);
        group.MapPut("/settings", PutSettings).WithName("PutConcernSettings").WithSummary("Change the escalation time, headteacher and behaviour lead (admins).")
            .RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/{id}", Get).WithName("GetConcern").WithSummary("One concern with its chronology.");
        group.MapPost("/{id}/raise", RaiseDraft).WithName("RaiseDraftConcern").WithSummary("Complete and raise one of your drafts.")
            .Produces<ConcernDto>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/acknowledge", Acknowledge).WithName("AcknowledgeConcern").WithSummary("Acknowledge a concern (stops its escalation).")
            .WithConcernOutcomes();
        group.MapPost("/{id}/close", Close).WithName("CloseConcern")
            .WithSummary("Close an acknowledged concern with the outcome that closes it (an outcome entry, then a closing entry); it is then listed after the open ones.")
            .WithConcernOutcomes();
        group.MapPost("/{id}/reopen", Reopen).WithName("ReopenConcern").WithSummary("Reopen a closed concern, saying why (an action entry, then a reopening entry).")
            .WithConcernOutcomes();
        group.MapPost("/{id}/actions", AddEntry).WithName("AddConcernEntry").WithSummary("Append an action, outcome or amendment to the chronology.")
            .WithConcernOutcomes();

        app.MapGet("/api/v1/pupils/{id}/chronology", PupilChronology).WithTags("Concerns").RequireAuthorization(AuthPolicies.Staff)
            .WithName("GetPupilChronology").WithSummary("The chronology of the concerns about a pupil that the caller may read.");
        app.MapGet("/api/v1/pupils/{id}/child-protection-file", ChildProtectionFile).WithTags("Concerns").RequireAuthorization(AuthPolicies.Staff)
            .WithName("GetChildProtectionFile")
            .WithSummary("A pupil's child protection file as a PDF (application/pdf), to send to their next school: the pupil, their parents and carers, every raised concern about them with what was reported and its whole chronology. The DSL and deputies, signed in with two factors; each one made is audited.");
    }

    private static async Task<IResult> ChildProtectionFile(string id, ClaimsPrincipal user, ChildProtectionFiles files, HttpResponse response, CancellationToken ct)
    {
        switch (await files.MakeAsync(user, id, ct))
        {
            case ChildProtectionFiles.Outcome.Made made:
                response.Headers.CacheControl = "no-store";
                return TypedResults.File(made.Pdf, Records.LabelledPdf.ContentType, made.FileName);
            case ChildProtectionFiles.Outcome.Forbidden:
                return TypedResults.Problem(ChildProtectionFiles.Refusal, statusCode: StatusCodes.Status403Forbidden,
                    title: "You cannot make this file.", type: "https://chaperone.school/problems/forbidden");
            default:
                return Problems.NotFound("There is no pupil with this id in your school.");
        }
    }

    private static ProblemHttpResult Missing() => Problems.NotFound("There is no concern with this id that you can read.");

    private static async Task<IResult> Raise(ConcernRequest request, ClaimsPrincipal user, RaiseConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await RaisedAsync(await handler.HandleAsync(user, request, null, ct), user, db, ct);

    private static async Task<IResult> RaiseDraft(string id, ConcernRequest request, ClaimsPrincipal user, RaiseConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        Ids.TryParse(id, out var draftId) ? await RaisedAsync(await handler.HandleAsync(user, request, draftId, ct), user, db, ct)
            : Problems.NotFound("There is no draft of yours with this id.");

    private static async Task<IResult> RaisedAsync(RaiseOutcome outcome, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) => outcome switch
    {
        RaiseOutcome.Raised r => TypedResults.Created($"/api/v1/concerns/{Ids.Format(r.Concern.Id)}", await ConcernDtos.DetailAsync(db, r.Concern, user, ct)),
        RaiseOutcome.Invalid i => Problems.Validation(i.Errors),
        _ => Problems.NotFound("There is no draft of yours with this id."),
    };

    /// <summary>Every concern the caller may read, or one page of them when <paramref name="page"/> or <paramref name="pageSize"/> is given; the header <c>X-Total-Count</c> says how many there are.</summary>
    private static async Task<Results<Ok<List<ConcernSummaryDto>>, ProblemHttpResult>> List(
        ClaimsPrincipal user, HandleConcern handler, HttpResponse response, CancellationToken ct, int? page = null, int? pageSize = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1 or > 1_000_000) { errors["page"] = ["Pages start at 1."]; }
        if (pageSize is < 1 or > ConcernPage.MaxSize) { errors["pageSize"] = [$"A page holds 1 to {ConcernPage.MaxSize} concerns."]; }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var chosen = page is null && pageSize is null ? ConcernPage.All : new ConcernPage(page ?? 1, pageSize ?? 50);
        var (items, total) = await handler.ListAsync(user, chosen, ct);
        response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(items);
    }

    private static async Task<Results<Ok<ConcernDto>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, HandleConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await handler.ReadAsync(user, id, ct) is { } concern ? TypedResults.Ok(await ConcernDtos.DetailAsync(db, concern, user, ct)) : Missing();

    private static async Task<IResult> Acknowledge(string id, ClaimsPrincipal user, HandleConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await ToResultAsync(await handler.AcknowledgeAsync(user, id, ct), user, db, ct);

    private static async Task<IResult> Close(string id, ConcernStateRequest request, ClaimsPrincipal user, HandleConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await ToResultAsync(await handler.CloseAsync(user, id, request.Text, ct), user, db, ct);

    private static async Task<IResult> Reopen(string id, ConcernStateRequest request, ClaimsPrincipal user, HandleConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await ToResultAsync(await handler.ReopenAsync(user, id, request.Text, ct), user, db, ct);

    private static async Task<IResult> AddEntry(string id, ConcernEntryRequest request, ClaimsPrincipal user, HandleConcern handler, ChaperoneDbContext db, CancellationToken ct) =>
        await ToResultAsync(await handler.AddEntryAsync(user, id, request.Type, request.Text, ct), user, db, ct);

    /// <summary>What <see cref="ToResultAsync"/> answers, as the OpenAPI document describes it.</summary>
    private static RouteHandlerBuilder WithConcernOutcomes(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<ConcernDto>().ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> ToResultAsync(ConcernOutcome outcome, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) => outcome switch
    {
        ConcernOutcome.Done d => TypedResults.Ok(await ConcernDtos.DetailAsync(db, d.Concern, user, ct)),
        ConcernOutcome.Forbidden f => TypedResults.Problem(detail: f.Message, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.", type: "https://chaperone.school/problems/forbidden"),
        ConcernOutcome.Conflict c => TypedResults.Problem(detail: c.Message, statusCode: StatusCodes.Status409Conflict, title: "Already done.", type: "https://chaperone.school/problems/state"),
        ConcernOutcome.Invalid i => Problems.Validation(i.Errors),
        _ => Missing(),
    };

    private static async Task<Results<Ok<List<ChronologyEntryDto>>, ProblemHttpResult>> PupilChronology(string id, ClaimsPrincipal user, HandleConcern handler, CancellationToken ct) =>
        await handler.PupilChronologyAsync(user, id, ct) is { } entries ? TypedResults.Ok(entries) : Problems.NotFound("There is no pupil with this id in your school.");

    private static async Task<Ok<ConcernSettingsDto>> GetSettings(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        TypedResults.Ok(ConcernSettingsStore.ToDto(await ConcernSettingsStore.LoadAsync(db, user.SchoolId(), ct)));

    private static async Task<Results<Ok<ConcernSettingsDto>, ProblemHttpResult>> PutSettings(ConcernSettingsDto request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var errors = await ConcernSettingsStore.SaveAsync(db, user, request, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(ConcernSettingsStore.ToDto(await ConcernSettingsStore.LoadAsync(db, user.SchoolId(), ct)));
    }
}

public static class ConcernsSetup
{
    public static IServiceCollection AddChaperoneConcerns(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStaffHubBackplane(configuration);
        services.AddSingleton<ConcernMail>();
        services.AddSingleton<ConcernAlerts>();
        services.AddScoped<ConcernRouting>();
        services.AddScoped<RaiseConcern>();
        services.AddScoped<HandleConcern>();
        services.AddScoped<ChildProtectionFiles>();
        services.AddHostedService<ConcernWorker>();
        return services;
    }

    public static void MapConcernHub(this IEndpointRouteBuilder app) => app.MapHub<StaffHub>(StaffHub.Path);
}
