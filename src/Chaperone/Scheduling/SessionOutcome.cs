using System.Security.Claims;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chaperone.Scheduling;

/// <summary>What a scheduling command came to. Expected refusals are values, not exceptions.</summary>
public abstract record SessionOutcome
{
    private SessionOutcome() { }

    public sealed record Done(SessionDto Session) : SessionOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : SessionOutcome;
    public sealed record Missing(string Detail, Dictionary<string, string[]>? Errors = null) : SessionOutcome;
    public sealed record Refused(IReadOnlyList<Finding> Violations) : SessionOutcome;
    public sealed record Clash(IReadOnlyList<ConflictDto> Conflicts) : SessionOutcome;
    public sealed record WrongState(string Detail) : SessionOutcome;
    public sealed record Forbidden(string Detail) : SessionOutcome;
}

public static class SchedulingAccess
{
    /// <summary>Teachers book and change their own sessions; senior leaders and admins can do so for any teacher.</summary>
    public static bool MayManageFor(ClaimsPrincipal user, Guid teacherId) =>
        user.IsInRole(Roles.Slt) || user.IsInRole(Roles.Admin) || user.UserId() == teacherId;

    /// <summary>Teachers see their own sessions; senior leaders, the DSL and admins see the school's.</summary>
    public static bool SeesWholeSchool(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Slt) || user.IsInRole(Roles.Dsl) || user.IsInRole(Roles.Admin);

    /// <summary>Someone else moved or cancelled the session between reading and writing it.</summary>
    public static SessionOutcome ChangedMeanwhile() =>
        new SessionOutcome.WrongState("Someone else changed this session at the same moment; reload it and try again.");

    /// <summary>The booking-time checks that passed, as the session's evidence for this booking sequence.</summary>
    public static EvidenceRecord EvidenceOf(BookingVerdict verdict, Session session, DateTimeOffset at, string stage) => new()
    {
        SchoolId = session.SchoolId,
        SessionId = session.Id,
        Stage = EvidenceStages.Booking,
        Sequence = session.Sequence,
        RecordedAt = at,
        Items = verdict.Findings.Where(f => f.Passed)
            .Select(f => new EvidenceItem { Clause = f.Clause, Rule = f.Rule, Passed = true, Text = $"{stage}: {f.Message}" })
            .ToList(),
    };
}

public static class SessionOutcomeResults
{
    public static IResult ToResult(this SessionOutcome outcome, Func<SessionDto, IResult> done) => outcome switch
    {
        SessionOutcome.Done d => done(d.Session),
        SessionOutcome.Invalid i => Problems.Validation(i.Errors),
        SessionOutcome.Missing m => Problems.NotFound(m.Detail, m.Errors),
        SessionOutcome.Refused r => Problems.PolicyRefused(r.Violations),
        SessionOutcome.Clash c => Problems.Conflict(Conflicts.Describe(c.Conflicts), c.Conflicts),
        SessionOutcome.WrongState w => Problems.State(w.Detail),
        SessionOutcome.Forbidden f => Forbidden(f.Detail),
        _ => throw new InvalidOperationException($"Unhandled outcome {outcome.GetType().Name}"),
    };

    public static ProblemHttpResult MissingSession() => Problems.NotFound(ListSessions.NotVisible);

    /// <summary>The answer to a session this user may not see: 403 if it is their school's, 404 otherwise (<see cref="ListSessions.RefusalAsync"/>).</summary>
    public static async Task<ProblemHttpResult> NotVisibleAsync(Storage.ChaperoneDbContext db, ClaimsPrincipal user, Guid sessionId, CancellationToken ct, string forbidden = ListSessions.OnlyTheirOwn) =>
        await ListSessions.RefusalAsync(db, user, sessionId, ct, forbidden) is SessionOutcome.Forbidden f ? Forbidden(f.Detail) : MissingSession();

    /// <summary>
    /// The session <paramref name="id"/> names, if <paramref name="user"/> may see it (and, given
    /// <paramref name="may"/>, do what is asked with it), or else the answer, the same on every
    /// <c>/api/v1/sessions/{id}/…</c> address: 404 for what is not an id, another school's session or
    /// none; 403, saying <paramref name="forbidden"/>, for one of their school's they may not see or use.
    /// </summary>
    public static async Task<(Session? Session, ProblemHttpResult? Refusal)> SessionAsync(Storage.ChaperoneDbContext db, ClaimsPrincipal user, string? id, CancellationToken ct,
        Func<Session, bool>? may = null, string forbidden = ListSessions.OnlyTheirOwn)
    {
        if (!Ids.TryParse(id, out var sessionId))
        {
            return (null, MissingSession());
        }
        return await SessionEndpoints.VisibleSessionAsync(db, user, sessionId, ct) is { } session && (may is null || may(session))
            ? (session, null)
            : (null, await NotVisibleAsync(db, user, sessionId, ct, forbidden));
    }

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.");
}
