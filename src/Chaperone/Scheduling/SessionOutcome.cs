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

    public static IEnumerable<ClauseEvidence> EvidenceOf(BookingVerdict verdict, Session session, DateTimeOffset at, string stage) =>
        verdict.Findings.Where(f => f.Passed).Select(f => new ClauseEvidence
        {
            SchoolId = session.SchoolId,
            SessionId = session.Id,
            Clause = f.Clause,
            Stage = EvidenceStages.Booking,
            Rule = f.Rule,
            Passed = true,
            Text = $"{stage}: {f.Message}",
            RecordedAt = at,
            Sequence = session.Sequence,
        });
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
        SessionOutcome.Forbidden f => TypedResults.Problem(detail: f.Detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed."),
        _ => throw new InvalidOperationException($"Unhandled outcome {outcome.GetType().Name}"),
    };

    public static ProblemHttpResult MissingSession() => Problems.NotFound("No session with this id in your school.");
}
