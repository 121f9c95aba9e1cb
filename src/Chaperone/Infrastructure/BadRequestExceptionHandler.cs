using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Chaperone.Infrastructure;

/// <summary>
/// Turns request-binding failures (malformed JSON, wrong types, oversized bodies) into 400
/// problem details naming the field, and anything unexpected into a 500 problem that reveals
/// nothing. Binding happens before any endpoint filter runs, so this is the one place to catch it.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A page's bad request is shown the status page instead (AppSetup).
        if (exception is not BadHttpRequestException bad || !httpContext.Request.Path.StartsWithSegments("/api"))
        {
            return false;
        }
        logger.LogInformation("Bad request to {Path}: {Message}", httpContext.Request.Path, bad.Message);
        var errors = new Dictionary<string, string[]>();
        if (FindJsonException(bad) is { } json)
        {
            var field = FieldFromPath(json.Path);
            errors[field] = [field.Length == 0 ? "What was sent could not be read: send it as JSON, as the API's documentation shows." : WrongKind(field)];
        }
        else if (QueryParameter().Match(bad.Message) is { Success: true } parameter)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups["name"].Value);
            errors[field] = [WrongKind(field)];
        }
        else
        {
            errors[""] = [bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "What was sent is too large.",
                // No Content-Type, or one that is not JSON: the body itself was not read, so nothing is said of its shape.
                StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json, with the header 'Content-Type: application/json'.",
                _ => "What was sent could not be read: send it as JSON, with the fields the API's documentation shows.",
            }];
        }
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new HttpValidationProblemDetails(errors)
            {
                Type = "https://chaperone.school/problems/validation",
                Title = "The request could not be read.",
                Status = bad.StatusCode,
                Detail = string.Join(" ", errors.SelectMany(e => e.Value)),
            },
            Exception = exception,
        });
    }

    /// <summary>A value of the wrong kind, in words an office reading it relayed understands: a number where a number goes, and so on.</summary>
    private static string WrongKind(string field) =>
        $"‘{field}’ is not the kind of value it takes (a number, a date, yes or no, a list or text): give it as the API's documentation shows.";

    private static JsonException? FindJsonException(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }
        return null;
    }

    /// <summary>How minimal APIs report a query or route value that does not convert: <c>Failed to bind parameter "int? page" from "abc".</c></summary>
    [GeneratedRegex(@"^Failed to bind parameter ""[^""]*?(?<name>\w+)"" from ")]
    private static partial Regex QueryParameter();

    /// <summary>"$.pupilIds[1]" becomes "pupilIds[1]"; "$" becomes "".</summary>
    internal static string FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
