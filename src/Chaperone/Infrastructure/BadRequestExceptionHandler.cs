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
            errors[field] = [field.Length == 0 ? "The body is not valid JSON." : $"'{field}' has a value of the wrong type or format."];
        }
        else if (QueryParameter().Match(bad.Message) is { Success: true } parameter)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(parameter.Groups["name"].Value);
            errors[field] = [$"'{field}' has a value of the wrong type or format."];
        }
        else
        {
            errors[""] = [bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "The body is too large.",
                // No Content-Type, or one that is not JSON: the body itself was not read, so nothing is said of its shape.
                StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json, with the header 'Content-Type: application/json'.",
                _ => "The request body could not be read as JSON of the expected shape.",
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
