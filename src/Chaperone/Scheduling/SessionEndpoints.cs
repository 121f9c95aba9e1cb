using System.Security.Claims;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Scheduling;

public sealed record SessionPage(IReadOnlyList<SessionDto> Items, int Page, int PageSize, int Total);

public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions").WithTags("Sessions").RequireAuthorization(AuthPolicies.Staff);

        group.MapPost("/", Book).WithName("BookSession").WithSummary("Book a session; every policy rule is checked (422 lists each clause broken).")
            .RequireAuthorization(AuthPolicies.Scheduler)
            .WithSessionOutcomes(StatusCodes.Status201Created, StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/check", Check).WithName("CheckSession").WithSummary("Judge a proposed session clause by clause without booking it.")
            .Produces<BookingCheckDto>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", List).WithName("ListSessions").WithSummary("A page of sessions, filtered by time, teacher, pupil, status, or whose outcome is awaited (clause 11).");
        group.MapGet("/{id}", Get).WithName("GetSession").WithSummary("One session.");
        group.MapPost("/{id}/reschedule", Reschedule).WithName("RescheduleSession").WithSummary("Move a session; every rule is checked again from now.")
            .RequireAuthorization(AuthPolicies.Scheduler)
            .WithSessionOutcomes(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id}/cancel", Cancel).WithName("CancelSession").WithSummary("Cancel a session with a reason.")
            .RequireAuthorization(AuthPolicies.Scheduler)
            .WithSessionOutcomes(StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        group.MapGet("/{id}/compliance", Compliance).WithName("GetSessionCompliance").WithSummary("The verdict on each clause 1–12, with its evidence.");

        app.MapGet("/api/v1/slots", Slots).WithTags("Sessions").RequireAuthorization(AuthPolicies.Staff)
            .WithName("FindSlots").WithSummary("Compliant start times for a teacher, pupils and guardians over a range of dates.");
        return group;
    }

    /// <summary>
    /// What <see cref="SessionOutcomeResults.ToResult"/> answers, as the OpenAPI document describes it: the session
    /// with <paramref name="done"/>, and the <paramref name="problems"/> this operation's handler can give (400 field
    /// errors, 403 not theirs, 404 no such session or person, 409 a clash or a session past changing, 422 the clauses broken).
    /// </summary>
    private static RouteHandlerBuilder WithSessionOutcomes(this RouteHandlerBuilder endpoint, int done, params int[] problems)
    {
        endpoint.Produces<SessionDto>(done);
        foreach (var status in problems)
        {
            _ = status == StatusCodes.Status400BadRequest ? endpoint.ProducesValidationProblem() : endpoint.ProducesProblem(status);
        }
        return endpoint;
    }

    private static async Task<IResult> Book(BookSessionRequest request, ClaimsPrincipal user, BookSession handler, CancellationToken ct) =>
        (await handler.HandleAsync(user, request, ct)).ToResult(s => TypedResults.Created($"/api/v1/sessions/{s.Id}", s));

    private static async Task<IResult> Check(BookSessionRequest request, ClaimsPrincipal user, CheckBooking handler, CancellationToken ct)
    {
        var (check, problem) = await handler.HandleAsync(user, request, ct);
        return problem is not null ? problem.ToResult(TypedResults.Ok) : TypedResults.Ok(check);
    }

    private static async Task<IResult> Reschedule(string id, RescheduleRequest request, ClaimsPrincipal user, RescheduleSession handler, CancellationToken ct) =>
        Ids.TryParse(id, out var sessionId)
            ? (await handler.HandleAsync(user, sessionId, request, ct)).ToResult(TypedResults.Ok)
            : SessionOutcomeResults.MissingSession();

    private static async Task<IResult> Cancel(string id, CancelRequest request, ClaimsPrincipal user, CancelSession handler, CancellationToken ct) =>
        Ids.TryParse(id, out var sessionId)
            ? (await handler.HandleAsync(user, sessionId, request, ct)).ToResult(TypedResults.Ok)
            : SessionOutcomeResults.MissingSession();

    private static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        var sessionId = session.Id;
        return TypedResults.Ok((await SessionView.LoadAsync(db, user.SchoolId(), sessionId, ct))!);
    }

    private static async Task<Results<Ok<ComplianceDto>, ProblemHttpResult>> Compliance(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        var sessionId = session.Id;
        return TypedResults.Ok((await ComplianceAssessor.LoadAsync(db, user.SchoolId(), sessionId, ct))!);
    }

    private static async Task<IResult> Slots([AsParameters] FindSlotsQuery query, ClaimsPrincipal user, FindSlots handler, CancellationToken ct)
    {
        var (slots, problem) = await handler.HandleAsync(user, query, ct);
        return problem is not null ? problem.ToResult(TypedResults.Ok) : TypedResults.Ok(slots);
    }

    /// <summary>The session if this user may see it (<see cref="ListSessions.Visible"/>), else null.</summary>
    public static Task<Session?> VisibleSessionAsync(ChaperoneDbContext db, ClaimsPrincipal user, Guid sessionId, CancellationToken ct) =>
        ListSessions.Visible(db, user).AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);

    private static async Task<Results<Ok<SessionPage>, ProblemHttpResult>> List(
        ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct,
        string? from = null, string? to = null, string? teacherId = null, string? pupilId = null, string? status = null, string? awaitingOutcome = null,
        int? page = null, int? pageSize = null)
    {
        var schoolId = user.SchoolId();
        var errors = new Dictionary<string, string[]>();
        var zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var fromInstant = ParseBound(from, "from", zone, errors, endOfDay: false);
        var toInstant = ParseBound(to, "to", zone, errors, endOfDay: true);
        Guid? teacher = null, pupil = null;
        if (teacherId is not null)
        {
            if (Ids.TryParse(teacherId, out var t)) { teacher = t; } else { errors["teacherId"] = ["There is no teacher with this id: give the id the school's staff list gives them."]; }
        }
        if (pupilId is not null)
        {
            if (Ids.TryParse(pupilId, out var p)) { pupil = p; } else { errors["pupilId"] = ["There is no pupil with this id: give the id the school's list of pupils gives them."]; }
        }
        SessionStatus? statusFilter = null;
        if (status is not null)
        {
            if (Enum.TryParse<SessionStatus>(status, ignoreCase: true, out var st) && Enum.IsDefined(st) && !int.TryParse(status, out _)) { statusFilter = st; }
            else { errors["status"] = ["Status is one of scheduled, live, ended, cancelled."]; }
        }
        var awaiting = false;
        if (awaitingOutcome is not null && !bool.TryParse(awaitingOutcome, out awaiting))
        {
            errors["awaitingOutcome"] = ["'awaitingOutcome' is true (only sessions over whose outcome is not yet recorded, clause 11) or false."];
        }
        var pageNumber = page ?? 1;
        var size = pageSize ?? 50;
        if (pageNumber < 1) { errors["page"] = ["Pages start at 1."]; }
        else if ((long)(pageNumber - 1) * size > int.MaxValue) { errors["page"] = ["There are not that many pages."]; }
        if (size is < 1 or > 200) { errors["pageSize"] = ["A page holds 1 to 200 sessions."]; }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var query = ListSessions.Visible(db, user).AsNoTracking()
            .Matching(new SessionFilter(fromInstant, toInstant, teacher, pupil, statusFilter));
        if (awaiting)
        {
            query = Calls.AwaitingOutcome.Of(query, db, clock.GetUtcNow());
        }
        var total = await query.CountAsync(ct);
        var items = await SessionView.LoadManyAsync(db, schoolId, query.OrderBy(s => s.Start).ThenBy(s => s.Id).Skip((pageNumber - 1) * size).Take(size), ct);
        return TypedResults.Ok(new SessionPage(items.OrderBy(s => s.Start).ToList(), pageNumber, size, total));
    }

    /// <summary>
    /// A bound is an RFC 3339 time, or a date in the school's zone: 'from' a date starts at the start
    /// of that day, 'to' a date includes the whole of that day (as the slot finder's range does).
    /// </summary>
    internal static DateTimeOffset? ParseBound(string? value, string field, DateTimeZone zone, Dictionary<string, string[]> errors, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var date = LocalDatePattern.Iso.Parse(value.Trim());
        if (date.Success)
        {
            // Far enough either way for any filter, and near enough that the day's end is a date too.
            if (date.Value.Year is < 1900 or > 2999)
            {
                errors[field] = [$"'{field}' must be a date from the year 1900 to 2999."];
                return null;
            }
            return endOfDay ? SessionFilter.EndOf(date.Value, zone) : SessionFilter.StartOf(date.Value, zone);
        }
        if (RequestValidation.TryParseInstant(value, out var instant, out _))
        {
            return instant.ToDateTimeOffset();
        }
        errors[field] = [$"Give ‘{field}’ as a date, like 2026-12-07, or as a date and time with its offset from UTC, like 2026-12-07T09:00:00+00:00."];
        return null;
    }
}
