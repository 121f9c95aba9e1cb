using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;

namespace Chaperone.Teams;

public static class TeamsEndpoints
{
    public static void MapTeams(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/teams").WithTags("Microsoft Teams").RequireAuthorization(AuthPolicies.Admin);
        admin.MapGet("/settings", GetSettings).WithName("GetTeamsSettings").WithSummary("The school's call provider and Microsoft Entra app registration (the secret is never shown, only whether one is set).")
            .Produces<TeamsSettingsDto>();
        admin.MapPut("/settings", PutSettings).WithName("SetTeamsSettings").WithSummary("Set the school's default call provider, whether sessions may choose, and its own app registration (admin).")
            .Produces<TeamsSettingsDto>().ProducesValidationProblem();
        admin.MapPost("/connection-test", Test).WithName("TestTeamsConnection").WithSummary("Test the connection to Microsoft Graph and say exactly what is missing.")
            .Produces<ConnectionTestResult>();
        admin.MapGet("/accounts", Accounts).WithName("ListTeamsAccounts").WithSummary("Staff and their Microsoft 365 accounts.")
            .Produces<List<TeamsAccountDto>>();
        admin.MapPut("/accounts/{staffId}", PutAccount).WithName("SetTeamsAccount").WithSummary("Map a member of staff to a Microsoft 365 account (UPN or object id); empty removes it.")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/api/v1/sessions/{id}/teams", Meeting).WithTags("Microsoft Teams").RequireAuthorization(AuthPolicies.Staff)
            .WithName("GetSessionTeamsMeeting").WithSummary("A Teams session's meeting: its state, join link and options as Teams reports them.");
    }

    private static async Task<IResult> GetSettings(ClaimsPrincipal user, ChaperoneDbContext db, TeamsConnections connections, CancellationToken ct) =>
        TypedResults.Ok(await TeamsAdmin.SettingsAsync(db, connections, user.SchoolId(), ct));

    private static async Task<IResult> PutSettings(TeamsSettingsRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TeamsConnections connections, TimeProvider clock, CancellationToken ct)
    {
        var errors = await TeamsAdmin.SaveAsync(db, connections, clock, user, request, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await TeamsAdmin.SettingsAsync(db, connections, user.SchoolId(), ct));
    }

    private static async Task<IResult> Test(ClaimsPrincipal user, TeamsConnectionTest test, CancellationToken ct) =>
        TypedResults.Ok(await test.RunAsync(user.SchoolId(), ct));

    private static async Task<IResult> Accounts(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await TeamsAdmin.AccountsAsync(db, user.SchoolId(), ct));

    private static async Task<IResult> PutAccount(string staffId, TeamsAccountRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        await TeamsAdmin.SetAccountAsync(db, user, staffId, request, ct) switch
        {
            null => Problems.NotFound("No member of staff with that id in your school."),
            { Count: > 0 } errors => Problems.Validation(errors),
            _ => TypedResults.NoContent(),
        };

    private static async Task<IResult> Meeting(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        if (await TeamsAdmin.MeetingAsync(db, user.SchoolId(), session.Id, ct) is not { } meeting)
        {
            return Problems.NotFound("This session has no Teams meeting: it is held in the built-in room, or its meeting is not made yet.");
        }
        return TypedResults.Ok(meeting);
    }
}
