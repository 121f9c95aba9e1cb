using Chaperone.Policy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Chaperone.Infrastructure;

/// <summary>One clause broken, as the API reports it in a 422's <c>violations</c>.</summary>
public sealed record ViolationDto(int Clause, string Rule, string Message, string? Field)
{
    public static ViolationDto From(Finding f) => new(f.Clause, f.Rule, f.Message, f.Field);
}

/// <summary>
/// The problem details (RFC 9457) Chaperone answers with. Every error names the field or the
/// clause, so that a person or a client can see what to fix.
/// </summary>
public static class Problems
{
    private const string TypeBase = "https://chaperone.school/problems/";

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Type = TypeBase + "validation",
            Title = "The request has fields that need fixing.",
            Status = StatusCodes.Status400BadRequest,
            Detail = detail ?? string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
        });

    public static ProblemHttpResult NotFound(string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Type = TypeBase + "not-found";
        problem.Title = "Not found.";
        problem.Status = StatusCodes.Status404NotFound;
        problem.Detail = detail;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult PolicyRefused(IEnumerable<Finding> violations)
    {
        var list = violations.Select(ViolationDto.From).ToList();
        var problem = new ProblemDetails
        {
            Type = TypeBase + "policy",
            Title = "The video call policy does not allow this.",
            Status = StatusCodes.Status422UnprocessableEntity,
            Detail = string.Join(" ", list.Select(v => $"Clause {v.Clause}: {v.Message}")),
        };
        problem.Extensions["violations"] = list;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Conflict(string detail, object? conflicts = null)
    {
        var problem = new ProblemDetails
        {
            Type = TypeBase + "conflict",
            Title = "Someone in this session is already booked at that time.",
            Status = StatusCodes.Status409Conflict,
            Detail = detail,
        };
        if (conflicts is not null)
        {
            problem.Extensions["conflicts"] = conflicts;
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult State(string detail, string title = "That cannot be done to this session now.") =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = TypeBase + "state",
            Title = title,
            Status = StatusCodes.Status409Conflict,
            Detail = detail,
        });

    public static ProblemHttpResult Gone(string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = TypeBase + "gone",
            Title = "It is no longer kept.",
            Status = StatusCodes.Status410Gone,
            Detail = detail,
        });

    /// <summary>503 with <c>Retry-After</c>: a store the request needs cannot be reached now; the same request may be sent again.</summary>
    public static IResult Unavailable(string detail, TimeSpan retryAfter) =>
        new RetryAfterResult(TypedResults.Problem(new ProblemDetails
        {
            Type = TypeBase + "unavailable",
            Title = "It cannot be done just now.",
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = detail,
        }), retryAfter);

    private sealed class RetryAfterResult(IResult inner, TimeSpan after) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(http);
        }
    }
}
