using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Compliance;

public static class VerdictStatus
{
    public const string Met = "met";
    public const string Pending = "pending";
    public const string Breached = "breached";
    public const string NotApplicable = "not-applicable";
}

public sealed record EvidenceDto(string Rule, bool Passed, string Text, DateTimeOffset RecordedAt);

public sealed record ClauseVerdictDto(int Clause, string Title, string Status, IReadOnlyList<EvidenceDto> Evidence);

public sealed record ComplianceDto(string SessionId, IReadOnlyList<ClauseVerdictDto> Clauses);

/// <summary>
/// Judges each clause 1–12 for a session from its evidence. Clauses settled at booking (2, 3,
/// 4 and 8) are met once the booking's checks are on record; the clauses that can only be
/// settled by the call itself stay pending until it happens, and do not apply to a session
/// cancelled before it ran, nor to one whose pupil did not attend (its call never took place).
/// Clause 12 is met by each concern raised about the session, and does not apply to a session
/// over without one. Any breach recorded for a clause makes it breached.
/// </summary>
public static class ComplianceAssessor
{
    /// <summary>Clauses whose every requirement is checked when a session is booked.</summary>
    public static IReadOnlySet<int> SettledAtBooking { get; } = new HashSet<int>
    {
        Clauses.PlatformAndRecording, Clauses.SchoolHours, Clauses.Participants, Clauses.Notice,
    };

    /// <summary>Rules whose passing finding settles their clause on its own (what the call showed, e.g. Teams' attendance).</summary>
    public static IReadOnlySet<string> SettlingRules { get; } = new HashSet<string>
    {
        Teams.TogetherThroughoutRule.Name, Teams.FamilyLeftFirstRule.Name, Concerns.RaiseConcern.ConcernRaisedRule,
    };

    public static IReadOnlyList<ClauseVerdictDto> Assess(SessionStatus status, int sequence, IReadOnlyCollection<EvidenceRecord> evidence)
    {
        // A reschedule re-runs the booking checks, and a corrected outcome replaces the one before
        // (every marking stays in the audit trail): the older ones no longer describe the session.
        var ordered = evidence.OrderBy(e => e.RecordedAt).ThenBy(e => e.Id).ToList();
        var outcome = ordered.LastOrDefault(e => e.Stage == Calls.CallEvidence.OutcomeStage);
        var records = ordered
            .Where(e => (e.Stage != EvidenceStages.Booking || e.Sequence == sequence) && (e.Stage != Calls.CallEvidence.OutcomeStage || e == outcome))
            .ToList();
        // The outcome says whether the call took place.
        var notHeld = outcome?.Items.Any(i => i.Rule == Calls.CallEvidence.NotHeldRule) == true;
        return Clauses.All.Select(clause =>
        {
            var current = records
                .SelectMany(e => e.Items.Where(i => i.Clause == clause.Number).Select(i => new EvidenceDto(i.Rule, i.Passed, i.Text, e.RecordedAt)))
                .ToList();
            return new ClauseVerdictDto(clause.Number, clause.Title, StatusOf(clause.Number, status, current, notHeld), current);
        }).ToList();
    }

    private static string StatusOf(int clause, SessionStatus status, List<EvidenceDto> evidence, bool notHeld = false)
    {
        if (evidence.Any(e => !e.Passed))
        {
            return VerdictStatus.Breached;
        }
        // A provider's own verdict (Teams' attendance report), or a concern raised, settles its clause.
        if (evidence.Any(e => SettlingRules.Contains(e.Rule)))
        {
            return VerdictStatus.Met;
        }
        // A call that never took place (the pupil did not attend) settles nothing but the booking's
        // clauses and the attendance that says so, like a cancelled session.
        if (notHeld && !SettledAtBooking.Contains(clause) && clause != Clauses.Attendance)
        {
            return VerdictStatus.NotApplicable;
        }
        if (status == SessionStatus.Ended && evidence.Count == 0 && clause == Clauses.Concerns)
        {
            // The session is over and nobody raised a concern about it: nothing to report.
            return VerdictStatus.NotApplicable;
        }
        // Booking settles some clauses; a call that ran and closed settles those its evidence covers.
        if ((SettledAtBooking.Contains(clause) || status == SessionStatus.Ended) && evidence.Count > 0)
        {
            return VerdictStatus.Met;
        }
        return status == SessionStatus.Cancelled ? VerdictStatus.NotApplicable : VerdictStatus.Pending;
    }

    /// <summary>What the clauses would say of a proposed booking, before it is made (for the scheduling page).</summary>
    public static IReadOnlyList<ClauseVerdictDto> Preview(BookingVerdict verdict, DateTimeOffset at) =>
        Clauses.All.Select(clause =>
        {
            var findings = verdict.Findings.Where(f => f.Clause == clause.Number)
                .Select(f => new EvidenceDto(f.Rule, f.Passed, f.Message, at)).ToList();
            return new ClauseVerdictDto(clause.Number, clause.Title, StatusOf(clause.Number, SessionStatus.Scheduled, findings), findings);
        }).ToList();

    public static async Task<ComplianceDto?> LoadAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var session = await db.Sessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.SchoolId == schoolId)
            .Select(s => new { s.Status, s.Sequence })
            .FirstOrDefaultAsync(ct);
        if (session is null)
        {
            return null;
        }
        var evidence = await db.Evidence.AsNoTracking().Where(e => e.SessionId == sessionId && e.SchoolId == schoolId).ToListAsync(ct);
        return new ComplianceDto(Ids.Format(sessionId), Assess(session.Status, session.Sequence, evidence));
    }
}
