using System.Security.Claims;
using Chaperone.Infrastructure;

namespace Chaperone.Compliance;

/// <summary>The compliance of every session in a range, for leaders (the whole school) and teachers (their own).</summary>
public static class ComplianceEndpoints
{
    public static IServiceCollection AddComplianceOverview(this IServiceCollection services) => services.AddScoped<ComplianceOverview>();

    public static void MapComplianceOverview(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/compliance", Overview).WithTags("Sessions").RequireAuthorization(AuthPolicies.Staff).WithName("GetComplianceOverview")
            .WithSummary("Every session in a range of days (from, to: dates in the school's zone; by default the school year so far), each clause's tally of met, pending, breached and not-applicable, and the sessions to look at: show=attention (breached, or over with a clause still pending; the default), breached, unsettled or all, newest first, a page at a time (page, from 1; pageSize, at most and by default 500); format=csv gives those sessions as CSV with each clause's verdict. The whole school for SLT, the DSL and admins; a teacher's own sessions otherwise. Cancelled sessions are left out.");

    private static async Task<IResult> Overview(ClaimsPrincipal user, ComplianceOverview overview, CancellationToken ct,
        string? from = null, string? to = null, string? show = null, string? format = null, string? page = null, string? pageSize = null)
    {
        if (format is not (null or "json" or "csv"))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["format"] = ["'format' is csv (or leave it out for JSON)."] });
        }
        return await overview.ForUserAsync(user, from, to, show, ct, page: page, pageSize: pageSize) switch
        {
            ComplianceOverview.Result.Ok { Overview: var o } when format == "csv" =>
                TypedResults.File(ComplianceCsv.Write(o), ComplianceCsv.ContentType, $"compliance-{o.From}-{o.To}.csv"),
            ComplianceOverview.Result.Ok ok => TypedResults.Ok(ok.Overview),
            ComplianceOverview.Result.Invalid invalid => Problems.Validation(invalid.Errors),
            _ => throw new InvalidOperationException("Every result is answered above."),
        };
    }
}
