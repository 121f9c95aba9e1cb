using System.Security.Claims;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Records;

/// <summary>A session with the facts its call left behind, and the families who said beforehand that they could not come.</summary>
public sealed record LoadedSession(SessionDto Session, SessionFacts Facts, IReadOnlyList<Families.CannotComeFact> CannotCome);

public sealed record RecordingDto(string Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Chunks, long Bytes);

/// <summary>
/// The session record (<c>GET /api/v1/sessions/{id}/record</c>): consent, expectations,
/// checklists, attendance, outcome and notes, exit order, recordings' metadata and the teacher's
/// controls used during the call (lapses, removals, mutes). Instants are UTC;
/// <see cref="TimeZone"/> is the school's zone.
/// </summary>
/// <param name="Consent">The first consent given; <see cref="Consents"/> holds every family's (one per family in a small group).</param>
/// <param name="Consents">Each guardian's consent, for the children it names (clause 1).</param>
/// <param name="CannotCome">The parents and carers who said on their page, before the call, that they could not come at its time (and had not taken it back), with what they wrote.</param>
/// <param name="Confirmed">What the teacher of a Teams call confirmed with its outcome, which Teams cannot record (consent, for each child in a small group; expectations; the checks): <see cref="Calls.RecordOutcome.TeamsChecksFor"/> keys. Empty for the built-in room, which records them itself.</param>
public sealed record SessionRecordDto(
    SessionDto Session,
    string TimeZone,
    DateTimeOffset? StartedAt,
    DateTimeOffset? ClosedAt,
    int? RanMinutes,
    ConsentFact? Consent,
    IReadOnlyList<ConsentFact> Consents,
    ExpectationsFact? Expectations,
    IReadOnlyList<ChecklistFact> Checklists,
    IReadOnlyList<Presence> Attendance,
    string? Outcome,
    string? Notes,
    DateTimeOffset? OutcomeRecordedAt,
    IReadOnlyList<ExitStep> ExitOrder,
    IReadOnlyList<RecordingDto> Recordings,
    IReadOnlyList<ControlFact> Controls,
    IReadOnlyList<string> Confirmed,
    IReadOnlyList<Families.CannotComeFact> CannotCome);

/// <summary>Reads sessions and their call's facts, always within one school.</summary>
public static class SessionRecords
{
    /// <summary>
    /// Loads the sessions of <paramref name="query"/> with their facts: room events from the
    /// database, attendance from the built-in room's events or, for a Teams session, its provider.
    /// </summary>
    public static async Task<List<LoadedSession>> LoadAsync(ChaperoneDbContext db, CallProviderResolver providers, Guid schoolId, IQueryable<Session> query, CancellationToken ct)
    {
        var sessions = await SessionView.LoadManyAsync(db, schoolId, query, ct);
        if (sessions.Count == 0)
        {
            return [];
        }
        var ids = sessions.Select(s => Guid.Parse(s.Id)).ToList();
        var events = (await db.Set<CallEventRecord>().AsNoTracking()
                .Where(e => e.SchoolId == schoolId && ids.Contains(e.SessionId))
                .ToListAsync(ct))
            .OrderBy(e => e.At).ThenBy(e => e.Sequence)
            .ToLookup(e => e.SessionId);
        var cannotCome = await Families.FamilyAbsence.FactsAsync(db, schoolId, ids, ct);
        var loaded = new List<LoadedSession>(sessions.Count);
        foreach (var s in sessions)
        {
            var id = Guid.Parse(s.Id);
            var own = events[id].ToList();
            var attendance = s.Provider == CallProviders.BuiltIn
                ? own.Where(e => e.Kind is RoomEvents.Joined or RoomEvents.Left)
                    .Select(e => new AttendanceEntry(e.Actor, e.Values().GetValueOrDefault("name") ?? "", e.Kind, e.At)).ToList()
                : await ReportAsync(providers, s, schoolId, ct) is { } report ? report.Attendance.ToList() : [];
            loaded.Add(new LoadedSession(s, SessionFacts.From(own, attendance, p => RoleOf(p, s)), [.. cannotCome[id]]));
        }
        return loaded;
    }

    /// <summary>
    /// The record of session <paramref name="id"/> if <paramref name="user"/> may read it
    /// (<see cref="RecordAccess.MayReadSessionRecord"/>); null when the id names no session of their
    /// school or one whose record is not theirs to read, so that neither learns anything of the session.
    /// </summary>
    public static async Task<SessionRecordDto?> ReadableAsync(ChaperoneDbContext db, CallProviderResolver providers, ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        return Ids.TryParse(id, out var sessionId)
            && await db.Sessions.AsNoTracking().Where(s => s.Id == sessionId && s.SchoolId == schoolId).Select(s => (Guid?)s.TeacherId).FirstOrDefaultAsync(ct) is { } teacherId
            && RecordAccess.MayReadSessionRecord(user, teacherId)
                ? await RecordAsync(db, providers, schoolId, sessionId, ct)
                : null;
    }

    /// <summary>The full record of one session, with its recordings (null when there is no such session in the school).</summary>
    public static async Task<SessionRecordDto?> RecordAsync(ChaperoneDbContext db, CallProviderResolver providers, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var loaded = (await LoadAsync(db, providers, schoolId, db.Sessions.Where(s => s.Id == sessionId), ct)).FirstOrDefault();
        if (loaded is null)
        {
            return null;
        }
        var (s, f) = (loaded.Session, loaded.Facts);
        // Every provider's recordings are in the one store: read there, not by asking the provider for its whole report again.
        var recordings = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId && r.DeletedAt == null)
            .OrderBy(r => r.StartedAt).Select(r => new { r.Id, r.StartedAt, r.LastChunkAt, r.Chunks, r.Bytes }).ToListAsync(ct);
        var advance = await Families.FamilyChecklist.LatestAsync(db, schoolId, sessionId, ct);
        var checklists = advance.Values.OrderBy(a => a.AnsweredAt)
            .Select(a => new ChecklistFact(s.Guardians.FirstOrDefault(g => g.Id == Ids.Format(a.GuardianId))?.Name ?? "Parent or carer", "family-in-advance", a.AnsweredAt,
                Families.FamilyChecklist.Items.Where(i => a.Ticked.Contains(i.Key)).Select(i => i.Text).ToList()))
            .Concat(f.Checklists)
            .ToList();
        return new SessionRecordDto(s, s.TimeZone, f.StartedAt, f.ClosedAt, f.Ran is { } ran ? (int)Math.Round(ran.TotalMinutes) : null,
            f.Consents.Count > 0 ? f.Consents[0] : null, f.Consents, f.Expectations, checklists, f.Attendance, f.Outcome?.Outcome, f.Outcome?.Notes, f.Outcome?.RecordedAt, f.ExitOrder,
            recordings.Select(r => new RecordingDto(Ids.Format(r.Id), r.StartedAt, r.LastChunkAt, r.Chunks, r.Bytes)).ToList(),
            f.Controls, f.Outcome?.Confirmed ?? [], loaded.CannotCome);
    }

    private static async Task<CallReport?> ReportAsync(CallProviderResolver providers, SessionDto s, Guid schoolId, CancellationToken ct)
    {
        // A provider reads by the session's id and school only.
        var session = new Session { Id = Guid.Parse(s.Id), SchoolId = schoolId, Provider = s.Provider };
        return providers.For(session) is { } provider ? await provider.ReportAsync(session, ct) : null;
    }

    /// <summary>
    /// A participant's role when the provider did not name it: the built-in room's participants are
    /// <c>teacher:{id}</c> or <c>guardian:{id}</c>; otherwise an invited parent's address, or uninvited.
    /// </summary>
    public static string RoleOf(string participant, SessionDto s) =>
        participant.StartsWith("teacher:", StringComparison.Ordinal) ? "teacher"
        : participant.StartsWith("guardian:", StringComparison.Ordinal) || s.Guardians.Any(g => string.Equals(g.Email, participant, StringComparison.OrdinalIgnoreCase)) ? "guardian"
        : "uninvited";
}
