using System.Security.Claims;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>Clause 11: the call's attendance, and the outcome and notes the teacher records after it.</summary>
public static class CallEndpoints
{
    public static void MapCalls(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions").WithTags("Calls").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/{id}/attendance", Attendance).WithName("GetAttendance").WithSummary("Every join and leave in the session's call, with its time.");
        group.MapPost("/{id}/outcome", Outcome).WithName("RecordOutcome")
            .WithSummary("The session's teacher (or, once the teacher has left, a senior leader, who confirms nothing of a Teams call) marks its outcome (completed, cut-short, did-not-attend) and writes notes (clause 11): once a built-in call is closed; did-not-attend once the time of a call that never started has come, which ends the session; for Teams once its time has come, with what the teacher confirms of the call (confirmed: consent, teacher-pupil-only, expectations, room, dress). The last one marked counts.");
        group.MapGet("/{id}/outcome", CurrentOutcome).WithName("GetOutcome").WithSummary("The outcome and notes last marked for the session; 404 until there is one.");
        app.MapHub<CallHub>(CallHub.Path, o => o.ApplicationMaxBufferSize = 64 * 1024);
    }

    private static async Task<IResult> Attendance(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        return TypedResults.Ok(await new BuiltInCallProvider(db).ReportAsync(session, ct));
    }

    private static async Task<IResult> Outcome(string id, OutcomeRequest request, ClaimsPrincipal user, RecordOutcome handler, CancellationToken ct) =>
        !Ids.TryParse(id, out var sessionId)
            ? SessionOutcomeResults.MissingSession()
            : await handler.HandleAsync(user, sessionId, request, ct) switch
            {
                OutcomeResult.Recorded r => TypedResults.Ok(r.Outcome),
                OutcomeResult.Invalid i => Problems.Validation(i.Errors),
                OutcomeResult.WrongState w => Problems.State(w.Detail),
                OutcomeResult.Forbidden f => TypedResults.Problem(detail: f.Detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed."),
                _ => SessionOutcomeResults.MissingSession(),
            };

    /// <summary>The notes are part of the session's record (clause 11): its teacher, senior leaders and the DSL.</summary>
    private static async Task<IResult> CurrentOutcome(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct,
            may: s => Records.RecordAccess.MayReadSessionRecord(user, s.TeacherId), forbidden: Records.RecordAccess.SessionRecordRefusal);
        if (session is null)
        {
            return refusal!;
        }
        return await SessionOutcomes.LastAsync(db, user.SchoolId(), session.Id, ct) is { } outcome
            ? TypedResults.Ok(outcome)
            : Problems.NotFound("No outcome has been recorded for this session yet.");
    }
}
