using Chaperone.Audit;
using Chaperone.Calls;
using Chaperone.Compliance;
using Chaperone.Families;
using Chaperone.Notifications;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Retention;

/// <summary>What a retention applier works on: one school, its settings, and the time of the run.</summary>
public sealed record RetentionScope(Guid SchoolId, RetentionSettings Settings, DateTimeZone Zone, DateTimeOffset Now);

/// <summary>
/// Applies one record type's retention period to one school. The retention job runs every
/// registered applier for every school; a new record type adds its own applier as a
/// scoped <see cref="IRetentionApplier"/>. Each deletion is entered in the deletion register
/// (<see cref="DeletionRecord"/>) and audited, exactly once.
/// </summary>
public interface IRetentionApplier
{
    /// <summary>The record type, as the settings page names it.</summary>
    string RecordType { get; }

    /// <summary>The rule it implements (clause or records management guidance).</summary>
    string Implements { get; }

    /// <summary>Deletes or anonymises what has expired; returns how many records it dealt with (or marked for deletion).</summary>
    Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct);
}

/// <summary>
/// Clause 2: recordings are deleted when face-to-face teaching resumes. Marks every recording made
/// before the school's date (not on hold) for deletion once that date has come; the deletion
/// itself is done by <see cref="RecordingDeletion"/>.
/// </summary>
public sealed class FaceToFaceRecordingsApplier(ChaperoneDbContext db) : IRetentionApplier
{
    public string RecordType => "Recordings";

    public string Implements => "Clause 2: recordings are deleted when face-to-face teaching resumes, unless the DSL keeps one to protect a child.";

    /// <summary>The instant the school's face-to-face date begins, in its zone.</summary>
    public static DateTimeOffset? Cutoff(RetentionSettings settings, DateTimeZone zone) =>
        settings.FaceToFaceResumedOn is { } date ? LocalDate.FromDateOnly(date).AtStartOfDayInZone(zone).ToDateTimeOffset().ToUniversalTime() : null;

    public async Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct)
    {
        if (Cutoff(scope.Settings, scope.Zone) is not { } cutoff || cutoff > scope.Now)
        {
            return 0;
        }
        var reason = $"Clause 2: face-to-face teaching resumed on {scope.Settings.FaceToFaceResumedOn:yyyy-MM-dd}.";
        return await RecordingDeletion.MarkDueAsync(db, scope.SchoolId, cutoff, reason, scope.Now, ct);
    }
}

/// <summary>
/// Attendance and intervention records (IRMS toolkit: 6 years by default): a session that ended
/// longer ago than the school's period loses its call events (attendance, consent, checks,
/// expectations, outcome and notes), its clause evidence, its families' checklist answers and its
/// emails, and the links naming its pupils and guardians; what remains is the bare fact that a
/// session of that teacher took place then. Recordings follow the face-to-face date instead.
/// A session whose recording the DSL holds, or that a concern still kept is about, keeps its
/// records: the hold overrides deletion (DESIGN), and a recording or a concern without the
/// consent, attendance and notes of its call would lose what gives it meaning. They go once the
/// hold is lifted or the concern's own period has passed.
/// </summary>
public sealed class InterventionRecordsApplier(ChaperoneDbContext db) : IRetentionApplier
{
    private const int BatchSize = 500;

    public string RecordType => "Attendance and intervention records";

    public string Implements => "IRMS Records Management Toolkit for Schools: attendance and intervention records, 6 years (clause 11's record of intervention).";

    public async Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct)
    {
        var cutoff = scope.Now.AddYears(-scope.Settings.InterventionRecordsYears);
        var total = 0;
        while (true)
        {
            var expired = await db.Sessions.AsNoTracking()
                .Where(s => s.SchoolId == scope.SchoolId && s.End < cutoff
                    && !db.Set<DeletionRecord>().Any(d => d.Kind == DeletionKinds.SessionRecords && d.SubjectId == s.Id)
                    && !db.Set<Recordings.Recording>().Any(r => r.SessionId == s.Id && r.SchoolId == scope.SchoolId && r.HeldAt != null && r.DeletedAt == null)
                    && !db.Set<Concerns.Concern>().Any(c => c.SessionId == s.Id && c.SchoolId == scope.SchoolId))
                .OrderBy(s => s.End).Take(BatchSize).Select(s => new { s.Id, s.Start }).ToListAsync(ct);
            if (expired.Count == 0)
            {
                return total;
            }
            var ids = expired.Select(s => s.Id).ToList();
            await using var transaction = await RetentionWrites.BeginAsync(db, ct);
            await db.Set<CallEventRecord>().Where(e => e.SchoolId == scope.SchoolId && ids.Contains(e.SessionId)).ExecuteDeleteAsync(ct);
            await db.Set<EvidenceRecord>().Where(e => e.SchoolId == scope.SchoolId && ids.Contains(e.SessionId)).ExecuteDeleteAsync(ct);
            await db.Set<FamilyChecklistAnswer>().Where(e => e.SchoolId == scope.SchoolId && ids.Contains(e.SessionId)).ExecuteDeleteAsync(ct);
            await db.Set<FamilyAbsenceNotice>().Where(e => e.SchoolId == scope.SchoolId && ids.Contains(e.SessionId)).ExecuteDeleteAsync(ct);
            await db.DeliveryAttempts.Where(a => db.OutboxMessages.Any(m => m.Id == a.OutboxMessageId && m.SchoolId == scope.SchoolId && m.SessionId != null && ids.Contains(m.SessionId.Value))).ExecuteDeleteAsync(ct);
            await db.OutboxMessages.Where(m => m.SchoolId == scope.SchoolId && m.SessionId != null && ids.Contains(m.SessionId.Value)).ExecuteDeleteAsync(ct);
            await db.Set<Teams.TeamsMeeting>().Where(m => m.SchoolId == scope.SchoolId && ids.Contains(m.SessionId)).ExecuteUpdateAsync(u => u.SetProperty(m => m.AttendanceJson, (string?)null), ct);
            await db.SessionGuardians.Where(g => g.SchoolId == scope.SchoolId && ids.Contains(g.SessionId)).ExecuteDeleteAsync(ct);
            await db.SessionPupils.Where(p => p.SchoolId == scope.SchoolId && ids.Contains(p.SessionId)).ExecuteDeleteAsync(ct);
            await db.Sessions.Where(s => s.SchoolId == scope.SchoolId && ids.Contains(s.Id)).ExecuteUpdateAsync(u => u.SetProperty(s => s.CancellationReason, (string?)null), ct);
            var why = $"Attendance and intervention records are kept {scope.Settings.InterventionRecordsYears} years.";
            foreach (var s in expired)
            {
                db.Add(new DeletionRecord
                {
                    SchoolId = scope.SchoolId, At = scope.Now, Kind = DeletionKinds.SessionRecords, SubjectId = s.Id, SessionId = s.Id, Why = why,
                    What = $"Records of session {s.Id:N} of {s.Start:yyyy-MM-dd}: attendance, call events, consent, notes, evidence, checklists, families' word that they could not come, emails, pupils and guardians",
                });
                AuditLog.Record(db, scope.SchoolId, AuditActor.System, AuditActions.SessionRecordsExpired, AuditSubjects.Session, Infrastructure.Ids.Format(s.Id), new { why });
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            total += expired.Count;
        }
    }
}

/// <summary>
/// Concerns (IRMS Records Management Toolkit for Schools: child protection files are kept until the
/// pupil's date of birth + 25 years): a concern, raised or a draft, is deleted with its chronology,
/// its pupil links and its alert emails (who was told, and when) once that date has passed for every pupil it is about — the youngest decides,
/// so a concern about a sibling is kept for the younger child. A pupil with no date of birth
/// recorded keeps the concern (never deleted early: the school records the date to let it go).
/// </summary>
public sealed class ConcernsApplier(ChaperoneDbContext db) : IRetentionApplier
{
    private const int BatchSize = 500;

    public string RecordType => "Concerns";

    public string Implements => "IRMS Records Management Toolkit for Schools: child protection records, until the pupil's date of birth + 25 years (clause 12's concerns).";

    public async Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct)
    {
        var years = scope.Settings.ConcernsYearsAfterBirth;
        var today = Instant.FromDateTimeOffset(scope.Now).InZone(scope.Zone).Date.ToDateOnly();
        // Born on or before this date: DOB + the period has come (29 February rounds later, never earlier).
        var bornBy = today.AddYears(-years);
        var total = 0;
        while (true)
        {
            // A pupil without a date of birth never matches, so neither does any concern about them.
            var expired = await db.Set<Concerns.Concern>().AsNoTracking()
                .Where(c => c.SchoolId == scope.SchoolId && c.Pupils.Any()
                    && c.Pupils.All(cp => db.Pupils.Any(p => p.Id == cp.PupilId && p.SchoolId == scope.SchoolId && p.DateOfBirth != null && p.DateOfBirth <= bornBy)))
                .OrderBy(c => c.Number).Take(BatchSize)
                .Select(c => new { c.Id, c.Number, c.SessionId, c.CreatedAt, Entries = db.Set<Concerns.ConcernEntry>().Count(e => e.ConcernId == c.Id) })
                .ToListAsync(ct);
            if (expired.Count == 0)
            {
                return total;
            }
            var ids = expired.Select(c => c.Id).ToList();
            await using var transaction = await RetentionWrites.BeginAsync(db, ct);
            await db.Set<Concerns.ConcernEntry>().Where(e => e.SchoolId == scope.SchoolId && ids.Contains(e.ConcernId)).ExecuteDeleteAsync(ct);
            await db.Set<Concerns.ConcernPupil>().Where(p => p.SchoolId == scope.SchoolId && ids.Contains(p.ConcernId)).ExecuteDeleteAsync(ct);
            await db.Set<Concerns.Concern>().Where(c => c.SchoolId == scope.SchoolId && ids.Contains(c.Id)).ExecuteDeleteAsync(ct);
            // The alerts after the concern: an escalation holding the concern's row commits its alerts
            // before the concern's deletion goes on, and this statement, begun after, sees them.
            await db.DeliveryAttempts.Where(a => db.OutboxMessages.Any(m => m.Id == a.OutboxMessageId && m.SchoolId == scope.SchoolId && m.ConcernId != null && ids.Contains(m.ConcernId.Value))).ExecuteDeleteAsync(ct);
            await db.OutboxMessages.Where(m => m.SchoolId == scope.SchoolId && m.ConcernId != null && ids.Contains(m.ConcernId.Value)).ExecuteDeleteAsync(ct);
            var why = $"Concerns are kept until each pupil's date of birth + {years} years.";
            foreach (var c in expired)
            {
                var reference = Concerns.Concern.ReferenceOf(c.Number);
                // The register names the concern by reference only: what it said is gone with it.
                db.Add(new DeletionRecord
                {
                    SchoolId = scope.SchoolId, At = scope.Now, Kind = DeletionKinds.Concern, SubjectId = c.Id, SessionId = c.SessionId, Why = why,
                    What = $"Concern {reference} of {c.CreatedAt:yyyy-MM-dd}: the concern, its chronology ({c.Entries} entries), its pupil links and its alert emails",
                });
                AuditLog.Record(db, scope.SchoolId, AuditActor.System, AuditActions.ConcernExpired, AuditSubjects.Concern, Infrastructure.Ids.Format(c.Id), new { reference, why });
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            total += expired.Count;
        }
    }
}

/// <summary>
/// Staff's password links: a link works once, within an hour, so its email is of no use after that;
/// the row is kept <see cref="KeptFor"/> for questions about its delivery, then deleted with its
/// delivery attempts. These are not records of the school's work, so nothing is entered in the
/// deletion register; the audit trail notes each run that deleted any.
/// </summary>
public sealed class PasswordLinksApplier(ChaperoneDbContext db) : IRetentionApplier
{
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(7);

    public string RecordType => "Password reset emails";

    public string Implements => "A password link works once, within an hour: its email is deleted 7 days after it was written.";

    public Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct) =>
        StaffEmails.DeleteWrittenBeforeAsync(db, scope, MessageKind.PasswordReset, scope.Now - KeptFor, AuditActions.PasswordLinksExpired, deleted => new { deleted, keptDays = KeptFor.Days }, ct);
}

/// <summary>
/// The email that offers a member of staff the DSL or senior leader role holds the link to accept
/// it (<see cref="People.SafeguardingRoleGrants"/>), which works within
/// <see cref="Identity.ClockResetTokenProvider.InvitationLifespan"/>: the email is kept as long as its
/// link lives, for questions about its delivery, then deleted with its delivery attempts. The offer
/// itself, who made it and who was told are in the audit trail; nothing is entered in the deletion
/// register, and the trail notes each run that deleted any.
/// </summary>
public sealed class RoleOfferLinksApplier(ChaperoneDbContext db) : IRetentionApplier
{
    public static readonly TimeSpan KeptFor = Identity.ClockResetTokenProvider.InvitationLifespan;

    public string RecordType => "Safeguarding role offer emails";

    public string Implements => $"A role offer's link works within {KeptFor.Days} days: its email is deleted {KeptFor.Days} days after it was written.";

    public Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct) =>
        StaffEmails.DeleteWrittenBeforeAsync(db, scope, MessageKind.SafeguardingRoleOffered, scope.Now - KeptFor, AuditActions.RoleOfferLinksExpired, deleted => new { deleted, keptDays = KeptFor.Days }, ct);
}

/// <summary>
/// The notices to the school's DSLs and senior leaders that someone was given, offered or lost one of
/// those roles (<see cref="MessageKind.SafeguardingRoleChanged"/>) are staff notices like the
/// outcome reminders and the families' word that they cannot come, which go with their session's
/// records: they are kept as long, the school's attendance and intervention records period
/// (<see cref="RetentionSettings.InterventionRecordsYears"/>) after they were written, then deleted
/// with their delivery attempts. Who was told of each change stays in the audit trail
/// (<see cref="AuditActions.SafeguardingRoleChangeNotified"/>); the trail notes each run that deleted any.
/// </summary>
public sealed class SafeguardingRoleNoticesApplier(ChaperoneDbContext db) : IRetentionApplier
{
    public string RecordType => "Safeguarding role notices";

    public string Implements => "Staff notices: kept as long as attendance and intervention records (6 years by default) after they were written.";

    public Task<int> ApplyAsync(RetentionScope scope, CancellationToken ct) =>
        StaffEmails.DeleteWrittenBeforeAsync(db, scope, MessageKind.SafeguardingRoleChanged, scope.Now.AddYears(-scope.Settings.InterventionRecordsYears),
            AuditActions.SafeguardingRoleNoticesExpired, deleted => new { deleted, keptYears = scope.Settings.InterventionRecordsYears }, ct);
}

/// <summary>Deletes the emails of one kind that belong to no session or concern, once their time is up.</summary>
internal static class StaffEmails
{
    /// <summary>
    /// Deletes the school's emails of <paramref name="kind"/> written before <paramref name="before"/>,
    /// with their delivery attempts, and notes in the audit trail how many (<paramref name="action"/>,
    /// with the <paramref name="details"/> of that number) when any went; how many went.
    /// </summary>
    public static async Task<int> DeleteWrittenBeforeAsync(ChaperoneDbContext db, RetentionScope scope, MessageKind kind, DateTimeOffset before, string action,
        Func<int, object> details, CancellationToken ct)
    {
        await using var transaction = await RetentionWrites.BeginAsync(db, ct);
        await db.DeliveryAttempts.Where(a => db.OutboxMessages.Any(m => m.Id == a.OutboxMessageId && m.SchoolId == scope.SchoolId
            && m.Kind == kind && m.CreatedAt < before)).ExecuteDeleteAsync(ct);
        var deleted = await db.OutboxMessages.Where(m => m.SchoolId == scope.SchoolId && m.Kind == kind && m.CreatedAt < before)
            .ExecuteDeleteAsync(ct);
        if (deleted > 0)
        {
            AuditLog.Record(db, scope.SchoolId, AuditActor.System, action, AuditSubjects.School, Infrastructure.Ids.Format(scope.SchoolId), details(deleted));
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return deleted;
    }
}
