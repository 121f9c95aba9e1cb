using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Chaperone.Infrastructure;

/// <summary>
/// The answers every operation under <c>/api/v1</c> may give whatever its handler does, as the
/// OpenAPI document describes them: 401 and 403 where it needs a signed-in user (the status code
/// pages turn the bare statuses into problems), 400 where it binds a body or query parameters
/// (<see cref="BadRequestExceptionHandler"/> names the field), and 404 where its route names a
/// resource. Set once on the group the API's features are mapped into; what an operation answers
/// when it succeeds, and its conflicts and policy refusals, each feature declares beside its route.
/// </summary>
public static class ApiResponses
{
    private const string ApiPrefix = "/api/v1";

    public static TBuilder WithApiProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint is not RouteEndpointBuilder route || route.RoutePattern.RawText?.StartsWith(ApiPrefix, StringComparison.OrdinalIgnoreCase) != true)
            {
                return;
            }
            var declared = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            void Problem(int status, Type type)
            {
                if (declared.Add(status))
                {
                    endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, type, ["application/problem+json"]));
                }
            }

            // Handlers that answer IResult say nothing of their success; the document then still lists a 200.
            if (!declared.Any(s => s is >= 200 and < 300))
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK));
                declared.Add(StatusCodes.Status200OK);
            }
            var method = endpoint.Metadata.OfType<MethodInfo>().LastOrDefault();
            var routeNames = route.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var takesBody = endpoint.Metadata.OfType<IAcceptsMetadata>().Any();
            var takesQuery = method?.GetParameters().Any(p => p.Name is not null && !routeNames.Contains(p.Name) && IsSimple(p.ParameterType)) == true;
            if (takesBody || takesQuery)
            {
                Problem(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
            }
            if (NeedsSignIn(endpoint.Metadata))
            {
                Problem(StatusCodes.Status401Unauthorized, typeof(ProblemDetails));
                Problem(StatusCodes.Status403Forbidden, typeof(ProblemDetails));
            }
            if (routeNames.Count > 0)
            {
                Problem(StatusCodes.Status404NotFound, typeof(ProblemDetails));
            }
        });
        return builder;
    }

    private static bool NeedsSignIn(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary>Whether a handler parameter of this type binds from the query string (services, the body and the user do not).</summary>
    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray)
        {
            return IsSimple(type.GetElementType()!);
        }
        return type != typeof(CancellationToken) && type != typeof(ClaimsPrincipal)
            && (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
                || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly));
    }
}
