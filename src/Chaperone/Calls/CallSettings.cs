using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>
/// A school's settings for calls in the built-in room, as the API and the settings page show them.
/// </summary>
/// <param name="RelayOnly">The school's choice: sound and video only through the TURN relay.</param>
/// <param name="RelayAvailable">The installation has a TURN relay, without which the school cannot choose relay only.</param>
/// <param name="InstallationRelayOnly">The installation sends every school's calls through the relay (<c>Calls:RelayOnly</c>), whatever the school chooses.</param>
/// <param name="CallsRelayOnly">What the school's calls do now: the installation's requirement or the school's choice.</param>
public sealed record CallSettingsDto(bool RelayOnly, bool RelayAvailable, bool InstallationRelayOnly, bool CallsRelayOnly);

/// <summary>The body of <c>PUT /api/v1/calls/settings</c>.</summary>
public sealed record CallSettingsRequest(bool? RelayOnly);

/// <summary>
/// Reads and changes a school's call settings; the page and the API check the same way. Relay only
/// keeps each side's network address (a family's home, the teacher's) from the other's browser,
/// at the cost of every call's media passing through the relay.
/// </summary>
public static class CallSettings
{
    public static async Task<CallSettingsDto> LoadAsync(ChaperoneDbContext db, CallNetwork network, Guid schoolId, CancellationToken ct) =>
        ToDto(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.RelayOnly).FirstAsync(ct), network);

    private static CallSettingsDto ToDto(bool relayOnly, CallNetwork network) =>
        new(relayOnly, network.HasRelay, network.RelayOnly, network.RelayOnlyFor(relayOnly));

    /// <summary>Checks and saves (with its audit entry); answers the errors by field, empty when saved.</summary>
    public static async Task<Dictionary<string, string[]>> SaveAsync(ChaperoneDbContext db, CallNetwork network, ClaimsPrincipal user, CallSettingsRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.RelayOnly is not { } relayOnly)
        {
            errors["relayOnly"] = ["Choose yes or no: whether calls go only through the relay."];
            return errors;
        }
        if (relayOnly && !network.HasRelay)
        {
            errors["relayOnly"] = ["This installation has no TURN relay (Calls:Turn:Urls), so calls cannot go only through one: ask whoever runs Chaperone to set one up."];
            return errors;
        }
        var school = await db.Schools.FirstAsync(s => s.Id == user.SchoolId(), ct);
        school.RelayOnly = relayOnly;
        AuditLog.Record(db, user, AuditActions.SettingsChanged, AuditSubjects.School, school.Id, new { calls = new { relayOnly } });
        await db.SaveChangesAsync(ct);
        return errors;
    }
}

public static class CallSettingsEndpoints
{
    public static void MapCallSettings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/calls").WithTags("Calls").RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/settings", Get).WithName("GetCallSettings")
            .WithSummary("Whether the school's calls in the built-in room go only through the TURN relay, and whether the installation has one or requires it (admins).");
        group.MapPut("/settings", Put).WithName("PutCallSettings")
            .WithSummary("Choose whether the school's calls in the built-in room go only through the TURN relay, so that neither side learns the other's network address (admins).");
    }

    private static async Task<Ok<CallSettingsDto>> Get(ClaimsPrincipal user, ChaperoneDbContext db, CallNetwork network, CancellationToken ct) =>
        TypedResults.Ok(await CallSettings.LoadAsync(db, network, user.SchoolId(), ct));

    private static async Task<Results<Ok<CallSettingsDto>, ProblemHttpResult>> Put(CallSettingsRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CallNetwork network, CancellationToken ct)
    {
        var errors = await CallSettings.SaveAsync(db, network, user, request, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await CallSettings.LoadAsync(db, network, user.SchoolId(), ct));
    }
}
