using System.Security.Claims;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

public sealed record OutcomeRequest(string? Outcome, string? Notes);

/// <summary>Clause 11: the call's attendance, and the outcome and notes the teacher records after it.</summary>
public static class CallEndpoints
{
    public static readonly string[] Outcomes = ["completed", "cut-short", "did-not-attend"];

    public static void MapCalls(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/sessions").WithTags("Calls").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/{id}/attendance", Attendance).WithName("GetAttendance").WithSummary("Every join and leave in the session's call, with its time.");
        group.MapPost("/{id}/outcome", Outcome).WithName("RecordOutcome").WithSummary("The teacher marks the session's outcome and writes notes (clause 11).");
        app.MapHub<CallHub>(CallHub.Path, o => o.ApplicationMaxBufferSize = 64 * 1024);
    }

    private static async Task<IResult> Attendance(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var sessionId) || await SessionEndpoints.VisibleSessionAsync(db, user, sessionId, ct) is not { } session)
        {
            return Problems.NotFound("There is no such session.");
        }
        return TypedResults.Ok(await new BuiltInCallProvider(db).ReportAsync(session, ct));
    }

    private static async Task<IResult> Outcome(string id, OutcomeRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(id, out var sessionId) || await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.SchoolId == schoolId, ct) is not { } session
            || session.TeacherId != user.UserId())
        {
            return Problems.NotFound("There is no such session of yours.");
        }
        var errors = new Dictionary<string, string[]>();
        if (request.Outcome is null || !Outcomes.Contains(request.Outcome))
        {
            errors["outcome"] = [$"Choose one of: {string.Join(", ", Outcomes)}."];
        }
        if (request.Notes is { Length: > 4000 } || (request.Notes is not null && FreeText.HasControlCharacters(request.Notes)))
        {
            errors["notes"] = ["Notes are plain text of at most 4000 characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        if (session.Status != SessionStatus.Ended)
        {
            return Problems.State("The outcome is recorded once the session has been closed.");
        }
        var now = clock.GetUtcNow();
        var kinds = await db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == sessionId && e.SchoolId == schoolId).Select(e => e.Kind).ToListAsync(ct);
        db.Add(new CallEventRecord
        {
            SchoolId = schoolId, SessionId = sessionId, At = now, Kind = RoomEvents.Outcome, Actor = $"teacher:{session.TeacherId}",
            Data = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["outcome"] = request.Outcome!, ["notes"] = request.Notes ?? "" }),
        });
        db.Evidence.Add(new EvidenceRecord
        {
            SchoolId = schoolId, SessionId = sessionId, Stage = CallEvidence.OutcomeStage, Sequence = session.Sequence, RecordedAt = now,
            Items = CallEvidence.AtOutcome(request.Outcome!, kinds.Count(k => k == RoomEvents.Joined), kinds.Count(k => k == RoomEvents.Left)),
        });
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new { outcome = request.Outcome, notes = request.Notes ?? "" });
    }
}
