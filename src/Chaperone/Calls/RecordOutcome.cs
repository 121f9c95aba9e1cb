using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Chaperone.Audit;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <param name="Confirmed">Teams sessions only: what the teacher confirms of the call (<see cref="RecordOutcome.TeamsChecksFor"/> keys), which Teams cannot record itself.</param>
public sealed record OutcomeRequest(string? Outcome, string? Notes, string[]? Confirmed = null);

/// <summary>The outcome on record: the last one marked.</summary>
/// <param name="RecordedByLeader">The senior leader who marked it because the session's teacher had left or its outcome was overdue (<see cref="LeaderMarking"/>); null when the teacher marked it.</param>
/// <param name="LeaderReason">Why the leader marked it: <c>teacher-left</c> or <c>overdue</c>; null when the teacher marked it.</param>
public sealed record OutcomeDto(string Outcome, string Notes, IReadOnlyList<string> Confirmed, DateTimeOffset RecordedAt, string? RecordedByLeader = null, string? LeaderReason = null);

/// <summary>What recording an outcome came to.</summary>
public abstract record OutcomeResult
{
    public sealed record Recorded(OutcomeDto Outcome) : OutcomeResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : OutcomeResult;
    public sealed record Missing : OutcomeResult;
    public sealed record WrongState(string Detail) : OutcomeResult;
    public sealed record Forbidden(string Detail) : OutcomeResult;
}

/// <summary>Why a senior leader, not the session's teacher, marks its outcome.</summary>
public enum LeaderReason
{
    /// <summary>The leader does not mark it: the outcome is the teacher's to record.</summary>
    None,
    /// <summary>The teacher has left (an admin ended their access, or their account is gone).</summary>
    TeacherLeft,
    /// <summary>The teacher is still at the school but has not marked it a week after the session (<see cref="LeaderMarking.OverdueAfter"/>): away, on leave, or unable to.</summary>
    Overdue,
}

/// <summary>
/// Clause 11: every session's attendance is on record. Its teacher records it; a senior leader
/// records it instead once the teacher cannot: they have left, or the outcome is a week overdue
/// (a teacher on long leave, whose sessions would otherwise wait for them for weeks).
/// </summary>
public static class LeaderMarking
{
    public const int Clause = Clauses.Attendance;

    /// <summary>How long after a session's end its outcome waits for its teacher before a senior leader may record it.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromDays(7);

    /// <summary>Whether a session that ended at <paramref name="end"/> has waited a week or more for its outcome at <paramref name="now"/>.</summary>
    public static bool Overdue(DateTimeOffset end, DateTimeOffset now) => now >= OverdueAt(end);

    /// <summary>When the outcome of a session that ended at <paramref name="end"/> becomes overdue.</summary>
    public static DateTimeOffset OverdueAt(DateTimeOffset end) => end + OverdueAfter;

    /// <summary>A reason as the API and the stored outcome name it.</summary>
    public static string? Name(LeaderReason reason) => reason switch
    {
        LeaderReason.TeacherLeft => "teacher-left",
        LeaderReason.Overdue => "overdue",
        _ => null,
    };

    /// <summary>Why a leader marked an outcome, in words, from its name (<see cref="Name"/>).</summary>
    public static string Why(string? name) =>
        name == Name(LeaderReason.Overdue) ? "as it was a week overdue" : "as the teacher had left";

    public const string Refusal = "The session's teacher records its outcome; a senior leader does so only once the teacher has left (an admin ended their access), or a week after the session while the teacher has still not recorded it.";
}

/// <summary>One thing a Teams session's teacher confirms with the outcome, and the clause it evidences.</summary>
/// <param name="PupilId">The child whose consent it confirms, in a small group; null for a check of the whole call.</param>
public sealed record TeamsCheck(string Key, int Clause, string Text, string Missing, string? PupilId = null);

/// <summary>
/// Clause 11: the session's teacher marks its outcome and writes notes, once the call is over
/// (and may correct them later: the last one counts, every one stays on record).
/// <list type="bullet">
/// <item>A call in the built-in room is marked once the teacher has closed it.</item>
/// <item>A session whose call never started (the pupil did not come) is marked
/// <c>did-not-attend</c> once its time has come; that ends it, and the clauses only a call can
/// meet do not apply to it.</item>
/// <item>A Teams session is marked once its time has come; Teams records attendance but not
/// consent, who else took part or what was typed in its chat, expectations, the room or dress, so
/// its teacher confirms those with the outcome (clauses 1, 5, 7, 9, 10), and one not confirmed is
/// a breach, as in the built-in room.</item>
/// </list>
/// Each marking is a room event (read by the session record), evidence for the compliance view,
/// and an audit entry carrying the notes' SHA-256, so the notes on record are tamper-evident.
/// <para>A teacher who has left (an admin ended their access) can mark nothing more, and their
/// sessions would wait for an outcome for ever; a senior leader marks those instead, from the
/// session's record, and also any session whose outcome is a week overdue (a teacher on long
/// leave; <see cref="LeaderMarking"/>). They confirm nothing of a Teams call they did not take
/// part in, so its checks show as not confirmed.</para>
/// </summary>
public sealed class RecordOutcome(ChaperoneDbContext db, TimeProvider clock, AuditSignal audit, RoomLeases leases)
{
    public const string Completed = "completed";
    public const string CutShort = "cut-short";
    public const string DidNotAttend = "did-not-attend";
    public const int MaxNotes = 4000;

    public static readonly string[] Outcomes = [Completed, CutShort, DidNotAttend];

    public const string RoomStillOpen = "The session's room is still open (in the console, or a family is waiting in it): the call may yet start. Close the console, or wait until everyone has left it, then record that the pupil did not attend.";

    public const string LeftOpenStillHeld = "The call is still open in a console: close it there, then record its outcome.";

    /// <summary>
    /// A call left open (clause 6): it started and was never closed in the console, and its room can
    /// no longer be opened to close it (<see cref="Families.FamilyLinks.GraceAfterEnd"/> after the
    /// session's end), as when the teacher's browser closed during the call. Its outcome may then be
    /// recorded, which ends it; the record shows it was not closed.
    /// </summary>
    public static bool LeftOpen(SessionStatus status, DateTimeOffset end, DateTimeOffset now) =>
        status == SessionStatus.Live && end <= LeftOpenIfEndedBy(now);

    /// <summary>A live call that ended by this instant was left open at <paramref name="now"/> (its room can no longer be opened).</summary>
    public static DateTimeOffset LeftOpenIfEndedBy(DateTimeOffset now) => now - Families.FamilyLinks.GraceAfterEnd;

    /// <summary>The key of the consent check of a 1:1 session, and in a small group the one that confirms it for every child at once.</summary>
    public const string ConsentKey = "consent";

    /// <summary>The key of the check that the expectations were given (clause 7).</summary>
    public const string ExpectationsKey = "expectations";

    private static readonly IReadOnlyList<TeamsCheck> TeamsChecks =
    [
        new(ConsentKey, Clauses.Consent, "For each child, a parent with parental responsibility for them gave consent at the start, and a parent or carer stayed with them throughout.", "The teacher did not confirm a parent's consent at the start, nor that they stayed throughout."),
        new("teacher-pupil-only", Clauses.TeacherPupilOnly, "Only the pupil (with their supervising adult) and I took part, and the meeting's chat was not used.", "The teacher did not confirm that only the pupil, their supervising adult and the teacher took part, without the chat."),
        new(ExpectationsKey, Clauses.Expectations, "I gave the expectations: in full at a pupil's first session with me, otherwise a brief reminder.", "The teacher did not confirm giving the expectations."),
        new("room", Clauses.Environment, "The family's room was communal and suitable (not a bedroom), with televisions and other devices off.", "The teacher did not confirm the family's room."),
        new("dress", Clauses.Dress, "Everyone was appropriately dressed, me included.", "The teacher did not confirm that everyone was appropriately dressed."),
    ];

    /// <summary>The key of the consent check for one child of a small group.</summary>
    public static string ConsentKeyFor(string pupilId) => $"{ConsentKey}:{pupilId}";

    /// <summary>
    /// What the teacher of a Teams session with <paramref name="pupils"/> confirms. Clause 1 holds
    /// for each child: in a small group each child's consent is confirmed on its own (one family's
    /// parent may not have been there), so that what is not confirmed names the child.
    /// </summary>
    public static IReadOnlyList<TeamsCheck> TeamsChecksFor(IReadOnlyList<PersonRef> pupils) =>
        pupils.Count <= 1
            ? TeamsChecks
            : [.. pupils.Select(p => new TeamsCheck(ConsentKeyFor(p.Id), Clauses.Consent,
                    $"For {p.Name}, a parent with parental responsibility for them gave consent at the start, and a parent or carer stayed with them throughout.",
                    $"The teacher did not confirm, for {p.Name}, a parent's consent at the start, nor that they stayed throughout.", p.Id)),
                .. TeamsChecks.Where(c => c.Key != ConsentKey)];

    /// <summary>
    /// Whether the teacher's confirmations cover <paramref name="pupilId"/>'s consent: the one
    /// consent of a 1:1 session (or one confirmed for every child), or the child's own.
    /// </summary>
    public static bool ConsentConfirmedFor(IReadOnlyCollection<string> confirmed, string pupilId) =>
        confirmed.Contains(ConsentKey) || confirmed.Contains(ConsentKeyFor(pupilId));

    /// <summary>
    /// The confirmations of <paramref name="confirmed"/> that concern <paramref name="pupilId"/>:
    /// the whole call's checks and that child's own consent, not another child's (as a pupil's
    /// subject access export shows them).
    /// </summary>
    public static IEnumerable<string> ConfirmedConcerning(IEnumerable<string> confirmed, string pupilId) =>
        confirmed.Where(key => !key.StartsWith(ConsentKeyFor(""), StringComparison.Ordinal) || key == ConsentKeyFor(pupilId));

    /// <summary>
    /// The checks of a Teams session with <paramref name="pupils"/> that <paramref name="confirmed"/>
    /// confirms (in a small group, a consent confirmed for every child at once, as stored before
    /// each child's was confirmed on its own, stands for each child's).
    /// </summary>
    public static IEnumerable<TeamsCheck> ConfirmedOf(IReadOnlyList<PersonRef> pupils, IReadOnlyCollection<string> confirmed) =>
        TeamsChecksFor(pupils).Where(c => c.PupilId is { } pupilId ? ConsentConfirmedFor(confirmed, pupilId) : confirmed.Contains(c.Key));

    /// <summary>The rule naming a check's evidence: the same for every child's consent, so that clause 1's evidence reads alike in a 1:1 session and a small group.</summary>
    private static string RuleOf(TeamsCheck check) =>
        check.PupilId is null ? $"teams-{check.Key}" : $"teams-{ConsentKey}";

    public async Task<OutcomeResult> HandleAsync(ClaimsPrincipal user, Guid sessionId, OutcomeRequest request, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.SchoolId == schoolId, ct);
        if (session is null)
        {
            return new OutcomeResult.Missing();
        }
        if (session.TeacherId != user.UserId() && !SchedulingAccess.SeesWholeSchool(user))
        {
            return new OutcomeResult.Forbidden(Scheduling.ListSessions.OnlyTheirOwn);
        }
        var byLeader = session.TeacherId != user.UserId();
        var reason = byLeader ? await LeaderReasonAsync(db, user, session, clock.GetUtcNow(), ct) : LeaderReason.None;
        if (byLeader && reason == LeaderReason.None)
        {
            return new OutcomeResult.Forbidden(user.IsInRole(Roles.Slt)
                ? LeaderMarking.Refusal
                : "Only the session's teacher records its outcome, or a senior leader once the teacher has left or the outcome is a week overdue.");
        }
        var checks = session.Provider == CallProviders.Teams ? TeamsChecksFor(await PupilsAsync(session, ct)) : [];
        var errors = Check(request, session.Provider, checks, byLeader, out var confirmed);
        if (errors.Count > 0)
        {
            return new OutcomeResult.Invalid(errors);
        }
        var outcome = request.Outcome!;
        var now = clock.GetUtcNow();
        var kinds = await KindsAsync(session, ct);
        var callHeld = kinds.Contains(RoomEvents.Started);
        if (StateProblem(session, callHeld, outcome, now) is { } problem)
        {
            return new OutcomeResult.WrongState(problem);
        }
        if ((!callHeld || session.Status == SessionStatus.Live) && session.Provider == CallProviders.BuiltIn)
        {
            // The room is open (the console, or a family waiting in the lobby): the call may still
            // start there, so it cannot yet be said that nobody came; or a call left open is still
            // held by someone's console. Holding the room's lease while marking it keeps any
            // instance from opening the room until the session is ended.
            if (await leases.TakeAsync(db, schoolId, sessionId, RoomLeases.MarkingDidNotAttend, ct) is not null)
            {
                return new OutcomeResult.WrongState(session.Status == SessionStatus.Live ? LeftOpenStillHeld : RoomStillOpen);
            }
            try
            {
                // What was read before the lease may have changed in between (a call started and left): read it again.
                await db.Entry(session).ReloadAsync(ct);
                kinds = await KindsAsync(session, ct);
                callHeld = kinds.Contains(RoomEvents.Started);
                return StateProblem(session, callHeld, outcome, now) is { } changed
                    ? new OutcomeResult.WrongState(changed)
                    : await MarkAsync(user, session, request, checks, confirmed, reason, kinds, callHeld, now, ct);
            }
            finally
            {
                await RoomLeases.ReleaseAsync(db, sessionId, RoomLeases.MarkingDidNotAttend, CancellationToken.None);
            }
        }
        return await MarkAsync(user, session, request, checks, confirmed, reason, kinds, callHeld, now, ct);
    }

    /// <summary>The session's pupils, by name, in the order of their names.</summary>
    private async Task<List<PersonRef>> PupilsAsync(Session session, CancellationToken ct) =>
        (await db.SessionPupils.AsNoTracking().Where(p => p.SessionId == session.Id && p.SchoolId == session.SchoolId)
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { p.Id, p.Name })
            .OrderBy(p => p.Name).ThenBy(p => p.Id)
            .ToListAsync(ct))
        .Select(p => new PersonRef(Ids.Format(p.Id), p.Name))
        .ToList();

    /// <summary>The kinds of the session's stored room events.</summary>
    private Task<List<string>> KindsAsync(Session session, CancellationToken ct) =>
        db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == session.Id && e.SchoolId == session.SchoolId).Select(e => e.Kind).ToListAsync(ct);

    private async Task<OutcomeResult> MarkAsync(ClaimsPrincipal user, Session session, OutcomeRequest request, IReadOnlyList<TeamsCheck> checks, IReadOnlyList<string> confirmed, LeaderReason reason,
        List<string> kinds, bool callHeld, DateTimeOffset now, CancellationToken ct)
    {
        var byLeader = reason != LeaderReason.None;
        var (schoolId, sessionId) = (session.SchoolId, session.Id);
        var outcome = request.Outcome!;

        var notHeld = outcome == DidNotAttend && !callHeld;
        var notes = FreeText.IsBlank(request.Notes) ? "" : request.Notes!.Trim();
        var data = new Dictionary<string, string> { ["outcome"] = outcome, ["notes"] = notes };
        if (session.Provider == CallProviders.Teams)
        {
            data["confirmed"] = string.Join(',', confirmed);
        }
        string? leader = null;
        if (byLeader)
        {
            leader = await db.Users.Where(u => u.Id == user.UserId()).Select(u => u.Name).FirstAsync(ct);
            data["leader"] = leader;
            data["leaderReason"] = LeaderMarking.Name(reason)!;
        }
        db.Add(new CallEventRecord
        {
            SchoolId = schoolId, SessionId = sessionId, At = now, Kind = RoomEvents.Outcome,
            Actor = byLeader ? $"leader:{user.UserId()}" : $"teacher:{session.TeacherId}",
            Data = System.Text.Json.JsonSerializer.Serialize(data),
        });
        if (session.Status == SessionStatus.Live && await RoomRegistry.LoadFactsAsync(db, schoolId, sessionId, ct) is { } facts)
        {
            // Left open: what the call's room would have recorded at its close, from its stored
            // events, the close itself missing (a breach of clause 6).
            var stored = (await db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == sessionId && e.SchoolId == schoolId).ToListAsync(ct))
                .OrderBy(e => e.At).ThenBy(e => e.Sequence).ToList();
            var room = Room.Replay(facts, stored.Select(e => e.ToRoomEvent()));
            db.Evidence.Add(new EvidenceRecord
            {
                SchoolId = schoolId, SessionId = sessionId, Stage = CallEvidence.Stage, Sequence = session.Sequence, RecordedAt = now,
                Items = CallEvidence.AtClose(room, [.. stored.Select(e => (e.Kind, e.Actor, e.At))]),
            });
        }
        var items = notHeld
            ? CallEvidence.NotHeld()
            : CallEvidence.AtOutcome(outcome, kinds.Count(k => k == RoomEvents.Joined), kinds.Count(k => k == RoomEvents.Left));
        if (session.Provider == CallProviders.Teams && outcome != DidNotAttend)
        {
            items.AddRange(checks.Select(c => new EvidenceItem
            {
                Clause = c.Clause, Rule = RuleOf(c), Passed = confirmed.Contains(c.Key),
                Text = confirmed.Contains(c.Key) ? $"The teacher confirmed: {c.Text}" : c.Missing,
            }));
        }
        db.Evidence.Add(new EvidenceRecord
        {
            SchoolId = schoolId, SessionId = sessionId, Stage = CallEvidence.OutcomeStage, Sequence = session.Sequence, RecordedAt = now, Items = items,
        });
        session.Status = SessionStatus.Ended;
        AuditLog.Record(db, user, AuditActions.OutcomeRecorded, AuditSubjects.Session, session.Id, new
        {
            outcome,
            confirmed = session.Provider == CallProviders.Teams ? confirmed : null,
            // Whose outcome a senior leader marked, and why: the teacher had left, or it was overdue.
            forLeaver = reason == LeaderReason.TeacherLeft ? Ids.Format(session.TeacherId) : null,
            overdueFor = reason == LeaderReason.Overdue ? Ids.Format(session.TeacherId) : null,
            notesSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(notes))),
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new OutcomeResult.WrongState("Someone else changed this session at the same moment; reload it and try again.");
        }
        audit.Raise();
        return new OutcomeResult.Recorded(new OutcomeDto(outcome, notes, confirmed, now, leader, LeaderMarking.Name(reason)));
    }

    /// <summary>
    /// Why this outcome cannot be marked on the session now, or null when it can.
    /// <paramref name="callHeld"/>: whether the built-in room's call started (Teams calls are not seen here).
    /// </summary>
    public static string? StateProblem(Session session, bool callHeld, string outcome, DateTimeOffset now) => session.Status switch
    {
        SessionStatus.Cancelled => "A cancelled session has no outcome.",
        SessionStatus.Live when !LeftOpen(session.Status, session.End, now) => "The call is still going on: close it first, then record its outcome.",
        SessionStatus.Scheduled when now < session.Start => "The outcome is recorded once the session's time has come.",
        _ when session.Provider == CallProviders.Teams || callHeld || outcome == DidNotAttend => null,
        _ => "The call in the built-in room did not take place, so the only outcome to record is that the pupil did not attend.",
    };

    /// <summary>
    /// Why <paramref name="user"/>, who is not the session's teacher, marks its outcome at
    /// <paramref name="now"/>: a senior leader, once the teacher has left (their access ended, or
    /// their account is gone) or the outcome is a week overdue (<see cref="LeaderMarking"/>).
    /// </summary>
    /// <remarks>An outcome the teacher recorded themselves, however late, stays theirs to correct; one a leader recorded as overdue the leader may correct.</remarks>
    public static async Task<LeaderReason> LeaderReasonAsync(ChaperoneDbContext db, ClaimsPrincipal user, Session session, DateTimeOffset now, CancellationToken ct) =>
        !user.IsInRole(Roles.Slt) ? LeaderReason.None
        : !await db.Users.AnyAsync(u => u.Id == session.TeacherId && u.SchoolId == session.SchoolId && u.AccessEndedAt == null, ct) ? LeaderReason.TeacherLeft
        : LeaderMarking.Overdue(session.End, now) && await SessionOutcomes.LastAsync(db, session.SchoolId, session.Id, ct) is null or { RecordedByLeader: not null } ? LeaderReason.Overdue
        : LeaderReason.None;

    /// <summary>The outcomes the session may be marked with now (none before its time, once cancelled, or while its call goes on).</summary>
    public static async Task<IReadOnlyList<string>> AllowedAsync(ChaperoneDbContext db, Session session, DateTimeOffset now, CancellationToken ct)
    {
        var held = await db.Set<CallEventRecord>().AsNoTracking().AnyAsync(e => e.SessionId == session.Id && e.SchoolId == session.SchoolId && e.Kind == RoomEvents.Started, ct);
        return Outcomes.Where(o => StateProblem(session, held, o, now) is null).ToList();
    }

    private static Dictionary<string, string[]> Check(OutcomeRequest request, string provider, IReadOnlyList<TeamsCheck> checks, bool byLeader, out List<string> confirmed)
    {
        var errors = new Dictionary<string, string[]>();
        confirmed = [];
        if (request.Outcome is null || !Outcomes.Contains(request.Outcome))
        {
            errors["outcome"] = [$"Choose one of: {string.Join(", ", Outcomes)}."];
        }
        if (request.Notes is { Length: > MaxNotes } || (request.Notes is not null && FreeText.HasControlCharacters(request.Notes)))
        {
            errors["notes"] = [$"Notes are plain text of at most {MaxNotes} characters."];
        }
        if (request.Confirmed is { Length: > 0 } given)
        {
            if (provider != CallProviders.Teams)
            {
                errors["confirmed"] = ["The built-in room records consent, expectations and the checks itself; leave 'confirmed' out."];
            }
            else if (request.Outcome == DidNotAttend)
            {
                errors["confirmed"] = ["Nothing of a call the pupil did not attend can be confirmed; leave 'confirmed' out."];
            }
            else if (byLeader)
            {
                errors["confirmed"] = ["Only the teacher who held the call can confirm what happened in it; leave 'confirmed' out, and its checks show as not confirmed."];
            }
            else
            {
                for (var i = 0; i < given.Length; i++)
                {
                    var keys = KeysOf(given[i], checks);
                    if (keys.Count == 0)
                    {
                        errors[$"confirmed[{i}]"] = [$"Confirm any of: {string.Join(", ", checks.Select(c => c.Key))}"
                            + (checks.Any(c => c.PupilId is not null) ? $" ({ConsentKey} alone confirms every child's consent)." : ".")];
                    }
                    foreach (var key in keys)
                    {
                        if (!confirmed.Contains(key))
                        {
                            confirmed.Add(key);
                        }
                    }
                }
            }
        }
        return errors;
    }

    /// <summary>
    /// The checks <paramref name="key"/> confirms, none when it names none of <paramref name="checks"/>:
    /// in a small group, <c>consent</c> confirms every child's at once.
    /// </summary>
    private static List<string> KeysOf(string? key, IReadOnlyList<TeamsCheck> checks)
    {
        if (key is not null && checks.Any(c => c.Key == key))
        {
            return [key];
        }
        var perChild = checks.Where(c => c.PupilId is not null).Select(c => c.Key).ToList();
        return key == ConsentKey ? perChild : [];
    }
}

/// <summary>
/// Clause 11: the sessions whose outcome is awaited: nobody has recorded one yet, and the session
/// is over (its call closed, or its time passed with the session still scheduled: not held, or a
/// Teams meeting; or its call was left open, <see cref="RecordOutcome.LeftOpen"/>). Cancelled
/// sessions have none; a call still going on is not over.
/// </summary>
public static class AwaitingOutcome
{
    public static IQueryable<Session> Of(IQueryable<Session> sessions, ChaperoneDbContext db, DateTimeOffset now)
    {
        var leftOpenIfEndedBy = RecordOutcome.LeftOpenIfEndedBy(now);
        return sessions.Where(s => (s.Status == SessionStatus.Ended || (s.Status == SessionStatus.Scheduled && s.End <= now) || (s.Status == SessionStatus.Live && s.End <= leftOpenIfEndedBy))
                                   && !db.Set<CallEventRecord>().Any(e => e.SessionId == s.Id && e.Kind == RoomEvents.Outcome));
    }
}

/// <summary>Reads the outcome a session's teacher marked last.</summary>
public static class SessionOutcomes
{
    public static async Task<OutcomeDto?> LastAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var last = await db.Set<CallEventRecord>().AsNoTracking()
            .Where(e => e.SessionId == sessionId && e.SchoolId == schoolId && e.Kind == RoomEvents.Outcome)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).FirstOrDefaultAsync(ct);
        return last is null ? null : Read(last);
    }

    /// <summary>The outcome a stored <see cref="RoomEvents.Outcome"/> event records (what <see cref="RecordOutcome"/> wrote).</summary>
    public static OutcomeDto Read(CallEventRecord outcome)
    {
        var values = outcome.Values();
        return new OutcomeDto(
            values.GetValueOrDefault("outcome") ?? "",
            values.GetValueOrDefault("notes") ?? "",
            (values.GetValueOrDefault("confirmed") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            outcome.At,
            values.GetValueOrDefault("leader"),
            // Before overdue outcomes, a leader marked only for a teacher who had left.
            values.ContainsKey("leader") ? values.GetValueOrDefault("leaderReason") ?? LeaderMarking.Name(LeaderReason.TeacherLeft) : null);
    }
}
