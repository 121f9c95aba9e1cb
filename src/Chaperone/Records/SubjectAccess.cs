using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Calls;
using Chaperone.Concerns;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Records;

/// <summary>The pupil as the school holds them.</summary>
public sealed record SubjectPupilDto(string Id, string Name, string? DateOfBirth);

/// <summary>An email the school sent about one of the pupil's sessions: to whom, when, what it was, and whether it went.</summary>
public sealed record SubjectEmailDto(string SessionId, string Kind, string RecipientName, string RecipientEmail, string Subject, string Status, DateTimeOffset WrittenAt, DateTimeOffset? SentAt);

/// <summary>One line of the audit trail about the subject, their sessions or those sessions' recordings: what was done, when, by whom, and its details (JSON, as recorded).</summary>
public sealed record SubjectTrailDto(DateTimeOffset At, string Action, string By, string SubjectType, string? SubjectId, string? Details);

/// <summary>A recording's video and sound, decrypted, as a file of the export's ZIP (<c>File</c> is its path there).</summary>
public sealed record ExportedRecordingDto(string RecordingId, string SessionId, DateTimeOffset StartedAt, string ContentType, long Bytes, string File);

/// <summary>A session a parent or carer was invited to, and what they did and said in it.</summary>
/// <param name="Consent">The consent they gave (clause 1), if it was theirs.</param>
/// <param name="Checklists">The room and dress checks they answered (clauses 9 and 10).</param>
/// <param name="Attendance">When they joined and left the call.</param>
/// <param name="CannotCome">What they told the school on their page: each time they said they could not come (with what they wrote), or took it back.</param>
public sealed record GuardianSessionDto(Scheduling.SessionDto Session, ConsentFact? Consent, IReadOnlyList<ChecklistFact> Checklists, IReadOnlyList<Stay> Attendance,
    IReadOnlyList<GuardianCannotComeDto> CannotCome);

/// <summary>One notice a parent or carer gave on their page: that they could not come (<paramref name="CannotCome"/>), or that they could after all.</summary>
public sealed record GuardianCannotComeDto(DateTimeOffset At, bool CannotCome, string? Message);

/// <summary>
/// Everything Chaperone holds about a parent or carer, for their own subject access request: their
/// details, the pupils they are linked to, each session they were invited to with what they gave
/// and answered in it, the emails sent to them and the audit trail about them. A pupil's own
/// records (notes, concerns) are in the pupil's export, not here.
/// </summary>
public sealed record GuardianSubjectAccessExportDto(
    string School,
    string TimeZone,
    DateTimeOffset MadeAt,
    string MadeBy,
    GuardianDto ParentOrCarer,
    IReadOnlyList<SubjectPupilDto> Pupils,
    IReadOnlyList<GuardianSessionDto> Sessions,
    IReadOnlyList<SubjectEmailDto> Emails,
    IReadOnlyList<SubjectTrailDto> Trail,
    IReadOnlyList<ExportedRecordingDto>? Recordings,
    IReadOnlyList<string> NotIncluded);

/// <summary>
/// Everything Chaperone holds about a pupil, for a subject access request (UK GDPR article 15):
/// who they are and who their parents and carers are, every session with them and its whole
/// record, the emails sent about those sessions, the audit trail about them and, when asked for by
/// someone who may read them, the concerns about them. Instants are UTC; <see cref="TimeZone"/> is the school's.
/// </summary>
/// <param name="Concerns">Null when not included (<see cref="ConcernsNote"/> says why).</param>
/// <param name="Recordings">The recordings' video and sound, as files of the export's ZIP; null when not asked for.</param>
/// <param name="NotIncluded">What the export leaves out, and where it is.</param>
public sealed record SubjectAccessExportDto(
    string School,
    string TimeZone,
    DateTimeOffset MadeAt,
    string MadeBy,
    SubjectPupilDto Pupil,
    IReadOnlyList<GuardianDto> ParentsAndCarers,
    IReadOnlyList<SessionRecordDto> Sessions,
    IReadOnlyList<SubjectEmailDto> Emails,
    IReadOnlyList<ConcernDto>? Concerns,
    string ConcernsNote,
    IReadOnlyList<SubjectTrailDto> Trail,
    IReadOnlyList<ExportedRecordingDto>? Recordings,
    IReadOnlyList<string> NotIncluded);

/// <summary>
/// Makes a pupil's subject access export. Senior leaders and the DSL make it: they read every
/// session's record (<see cref="RecordAccess.MayReadSessionRecord"/>). Concerns (clause 12) are in it
/// only when the maker asks and may read them (signed in with two factors; a senior leader reads
/// behaviour concerns only): safeguarding records may be withheld from a requester where disclosing
/// them would be likely to cause serious harm, which is the DSL's decision. The recordings' video and
/// sound come with it when asked for, as files of a ZIP (<see cref="SubjectAccessZip"/>). Each export,
/// and each recording put into one, is audited.
/// </summary>
public sealed class SubjectAccess(ChaperoneDbContext db, CallProviderResolver providers, Recordings.RecordingStore store, TimeProvider clock)
{
    public const string RecordingsNotAskedFor =
        "The video and sound of recordings, not asked for: each is listed under its session. Ask for the export with its recordings for a ZIP that holds them.";

    public const string RecordingsDeleted = "Recordings deleted under the school's retention rules: listed under their sessions, with when they were deleted; their video and sound are gone.";

    /// <summary>What a pupil's export leaves out.</summary>
    public static IReadOnlyList<string> NotIncluded(bool recordings) => recordings ? [RecordingsDeleted] : [RecordingsNotAskedFor];

    /// <summary>The export for <paramref name="pupilId"/> of the maker's school, or null when there is no such pupil.</summary>
    public async Task<SubjectAccessExportDto?> ForPupilAsync(ClaimsPrincipal user, string? pupilId, bool includeConcerns, bool includeRecordings, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(pupilId, out var id)
            || await db.Pupils.AsNoTracking().Include(p => p.Guardians).ThenInclude(pg => pg.Guardian)
                .FirstOrDefaultAsync(p => p.Id == id && p.SchoolId == schoolId, ct) is not { } pupil)
        {
            return null;
        }
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).SingleAsync(ct);
        var sessionIds = await db.SessionPupils.AsNoTracking().Where(sp => sp.PupilId == id && sp.SchoolId == schoolId).Select(sp => sp.SessionId).ToListAsync(ct);
        var parents = pupil.Guardians.Select(pg => pg.Guardian!).OrderBy(g => g.Name)
            .Select(g => new GuardianDto(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email, g.Phone)).ToList();

        var records = new List<SessionRecordDto>(sessionIds.Count);
        foreach (var sessionId in sessionIds)
        {
            if (await SessionRecords.RecordAsync(db, providers, schoolId, sessionId, ct) is { } record)
            {
                records.Add(record);
            }
        }
        // The other children: those of the pupil's small groups and those the concerns about the pupil are
        // also about. Their names are other people's data, left out wherever the export holds free text.
        var ownId = Ids.Format(id);
        var otherNames = await OtherChildrenAsync(schoolId, id, ct);
        otherNames.UnionWith(records.SelectMany(r => r.Session.Pupils).Where(p => p.Id != ownId).Select(p => p.Name));
        var inSessions = NameRedaction.Of(otherNames, pupil.Name, AnotherPupil);
        var sessions = records.ConvertAll(r => AsItConcerns(r, ownId, parents, inSessions));
        sessions.Sort((a, b) => a.Session.Start.CompareTo(b.Session.Start));

        // The emails about those sessions to the teacher and to the pupil's own parents and carers (in a small group, not to the other families).
        var ownIds = pupil.Guardians.Select(pg => (Guid?)pg.GuardianId).ToList();
        var emails = (await EmailsAsync(db.OutboxMessages.Where(m => m.SchoolId == schoolId && m.SessionId != null && sessionIds.Contains(m.SessionId.Value)
            && (m.RecipientRole != "guardian" || ownIds.Contains(m.RecipientId))), ct))
            .ConvertAll(e => e with { Subject = inSessions.Apply(e.Subject)! });

        // The trail: the pupil, their sessions, and their sessions' recordings (who watched them, held them, deleted them).
        var recordingIds = sessions.SelectMany(r => r.Recordings).Select(r => r.Id).ToList();
        var subjects = sessionIds.Select(Ids.Format).Append(Ids.Format(id)).ToList();
        var trail = (await TrailAsync(db.AuditEntries.Where(e => e.SchoolId == schoolId && e.SubjectId != null
            && (((e.SubjectType == AuditSubjects.Pupil || e.SubjectType == AuditSubjects.Session) && subjects.Contains(e.SubjectId))
                || (e.SubjectType == AuditSubjects.Recording && recordingIds.Contains(e.SubjectId)))), ct))
            .ConvertAll(t => t with { Details = inSessions.Apply(t.Details) });

        var (concerns, note) = await ConcernsAsync(user, id, includeConcerns, NameRedaction.Of(otherNames, pupil.Name, AnotherChild), ct);
        var recordings = includeRecordings ? await ExportedRecordingsAsync(user, schoolId, sessionIds, school.TimeZoneId, ct) : null;
        var now = clock.GetUtcNow();
        AuditLog.Record(db, user, AuditActions.SubjectAccessExported, AuditSubjects.Pupil, id,
            new { sessions = sessions.Count, concerns = concerns?.Count, recordings = recordings?.Count });
        await db.SaveChangesAsync(ct);

        return new SubjectAccessExportDto(
            school.Name, school.TimeZoneId, now, user.DisplayName(),
            new SubjectPupilDto(Ids.Format(pupil.Id), pupil.Name, pupil.DateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            parents,
            sessions,
            emails, concerns, note, trail, recordings, NotIncluded(includeRecordings));
    }

    /// <summary>
    /// A session's record as it concerns one pupil. In a small group the other children and their
    /// families are other people, whose data a pupil's export does not hold: only the pupil, their own
    /// parents and carers (<paramref name="parents"/>), the teacher and anyone uninvited stay, and only
    /// the consents that covered the pupil (as for them alone). The teacher's notes, a cancellation's
    /// reason and the words of consent and expectations stay as written but for other children's
    /// names, which <paramref name="otherChildren"/> takes out (those of the group, and of any other
    /// child the pupil's records name).
    /// </summary>
    public static SessionRecordDto AsItConcerns(SessionRecordDto record, string pupilId, IReadOnlyList<GuardianDto> parents, NameRedaction otherChildren)
    {
        var own = parents.Select(g => g.Id).ToHashSet(StringComparer.Ordinal);
        var ownNames = parents.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        var others = record.Session.Guardians.Where(g => !own.Contains(g.Id) && !ownNames.Contains(g.Name)).Select(g => g.Name)
            // A child of the group who joined the call on a device of their own is another child too.
            .Concat(record.Session.Pupils.Where(p => p.Id != pupilId).Select(p => p.Name))
            .ToHashSet(StringComparer.Ordinal);
        bool Theirs(string who) => !others.Contains(who);
        // A parent's consent for the pupil and a brother or sister in the group: the pupil's part of it.
        var consents = record.Consents.Where(c => c.Covers(pupilId))
            .Select(c => c with { Text = otherChildren.Apply(c.Text)!, PupilIds = [.. c.PupilIds.Where(p => p == pupilId)] }).ToList();
        return record with
        {
            Session = record.Session with
            {
                Pupils = [.. record.Session.Pupils.Where(p => p.Id == pupilId)],
                Guardians = [.. record.Session.Guardians.Where(g => own.Contains(g.Id))],
                Cancellation = record.Session.Cancellation is { } c ? c with { Reason = otherChildren.Apply(c.Reason)! } : null,
            },
            Notes = otherChildren.Apply(record.Notes),
            Expectations = record.Expectations is { } given ? given with { Text = otherChildren.Apply(given.Text)! } : null,
            Consent = consents.Count > 0 ? consents[0] : null,
            Consents = consents,
            Checklists = [.. record.Checklists.Where(c => Theirs(c.Who))],
            Attendance = [.. record.Attendance.Where(a => Theirs(a.Name))],
            ExitOrder = [.. record.ExitOrder.Where(e => Theirs(e.Who))],
            Controls = [.. record.Controls.Where(c => Theirs(c.Who))],
            CannotCome = [.. record.CannotCome.Where(c => own.Contains(c.GuardianId))],
            // Another child's consent, confirmed by the teacher of a Teams call, is theirs.
            Confirmed = [.. Calls.RecordOutcome.ConfirmedConcerning(record.Confirmed, pupilId)],
        };
    }

    /// <summary>The export for parent or carer <paramref name="guardianId"/> of the maker's school, or null when there is none.</summary>
    public async Task<GuardianSubjectAccessExportDto?> ForGuardianAsync(ClaimsPrincipal user, string? guardianId, bool includeRecordings, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(guardianId, out var id)
            || await db.Guardians.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id && g.SchoolId == schoolId, ct) is not { } guardian)
        {
            return null;
        }
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).SingleAsync(ct);
        var pupils = await db.PupilGuardians.AsNoTracking().Where(l => l.GuardianId == id && l.SchoolId == schoolId)
            .Select(l => l.Pupil!).OrderBy(p => p.Name).ToListAsync(ct);
        var sessionIds = await db.SessionGuardians.AsNoTracking().Where(sg => sg.GuardianId == id && sg.SchoolId == schoolId).Select(sg => sg.SessionId).ToListAsync(ct);
        var sessions = new List<GuardianSessionDto>(sessionIds.Count);
        var notices = (await db.Set<Families.FamilyAbsenceNotice>().AsNoTracking().Where(n => n.GuardianId == id && n.SchoolId == schoolId).ToListAsync(ct))
            .OrderBy(n => n.At).ThenBy(n => n.Id).ToLookup(n => n.SessionId, n => new GuardianCannotComeDto(n.At.ToUniversalTime(), n.CannotCome, n.Message));
        // In a small group the other children and their families are other people, whose data a parent's
        // export does not hold: the session names their own children and those children's parents and carers.
        var ownPupils = pupils.Select(p => Ids.Format(p.Id)).ToHashSet(StringComparer.Ordinal);
        var ownPupilIds = pupils.ConvertAll(p => p.Id);
        var family = (await db.PupilGuardians.AsNoTracking().Where(l => l.SchoolId == schoolId && ownPupilIds.Contains(l.PupilId)).Select(l => l.GuardianId).ToListAsync(ct))
            .Select(Ids.Format).Append(Ids.Format(id)).ToHashSet(StringComparer.Ordinal);
        var ownNames = pupils.ConvertAll(p => p.Name);
        foreach (var sessionId in sessionIds)
        {
            if (await SessionRecords.RecordAsync(db, providers, schoolId, sessionId, ct) is not { } record)
            {
                continue;
            }
            var otherChildren = NameRedaction.Of(record.Session.Pupils.Where(p => !ownPupils.Contains(p.Id)).Select(p => p.Name), ownNames, AnotherPupil);
            var theirs = record.Session with
            {
                Pupils = [.. record.Session.Pupils.Where(p => ownPupils.Contains(p.Id))],
                Guardians = [.. record.Session.Guardians.Where(g => family.Contains(g.Id))],
                Cancellation = record.Session.Cancellation is { } c ? c with { Reason = otherChildren.Apply(c.Reason)! } : null,
            };
            // The record names people as the call did: by name.
            sessions.Add(new GuardianSessionDto(theirs,
                record.Consents.LastOrDefault(c => c.GuardianId == Ids.Format(id)),
                record.Checklists.Where(c => c.Who == guardian.Name).ToList(),
                record.Attendance.Where(a => a.Name == guardian.Name).SelectMany(a => a.Stays).ToList(),
                notices[sessionId].ToList()));
        }
        sessions.Sort((a, b) => a.Session.Start.CompareTo(b.Session.Start));
        var emails = await EmailsAsync(db.OutboxMessages.Where(m => m.SchoolId == schoolId && m.RecipientId == id && m.RecipientRole == "guardian" && m.SessionId != null), ct);
        var subject = Ids.Format(id);
        var trail = await TrailAsync(db.AuditEntries.Where(e => e.SchoolId == schoolId && e.SubjectType == AuditSubjects.Guardian && e.SubjectId == subject), ct);
        // The recordings of the sessions they were in (not only invited to), in which they may appear.
        var attended = sessions.Where(s => s.Attendance.Count > 0).Select(s => Guid.Parse(s.Session.Id)).ToList();
        var recordings = includeRecordings ? await ExportedRecordingsAsync(user, schoolId, attended, school.TimeZoneId, ct) : null;
        AuditLog.Record(db, user, AuditActions.GuardianSubjectAccessExported, AuditSubjects.Guardian, id, new { sessions = sessions.Count, recordings = recordings?.Count });
        await db.SaveChangesAsync(ct);
        return new GuardianSubjectAccessExportDto(school.Name, school.TimeZoneId, clock.GetUtcNow(), user.DisplayName(), ManagePeople.ToDto(guardian),
            pupils.Select(p => new SubjectPupilDto(Ids.Format(p.Id), p.Name, p.DateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))).ToList(),
            sessions, emails, trail, recordings, GuardianNotIncluded(includeRecordings));
    }

    /// <summary>What a parent or carer's export leaves out.</summary>
    public static IReadOnlyList<string> GuardianNotIncluded(bool recordings) =>
    [
        "The pupils' own records (the session notes and outcomes, concerns): they are in each pupil's export.",
        recordings
            ? RecordingsDeleted
            : "The video and sound of recordings of the sessions they joined, not asked for: each is listed in the pupil's export. Ask for the export with its recordings for a ZIP that holds them.",
    ];

    /// <summary>
    /// The recordings of <paramref name="sessionIds"/> that still have their video and sound (not
    /// deleted, nor being deleted; held ones are), oldest first, each named for the ZIP by its session's
    /// local start; each one put into the export is audited.
    /// </summary>
    private async Task<List<ExportedRecordingDto>> ExportedRecordingsAsync(ClaimsPrincipal user, Guid schoolId, List<Guid> sessionIds, string timeZoneId, CancellationToken ct)
    {
        var rows = await db.Set<Recordings.Recording>().AsNoTracking()
            .Where(r => r.SchoolId == schoolId && sessionIds.Contains(r.SessionId) && r.DeletedAt == null && r.DeletionPendingAt == null)
            .OrderBy(r => r.StartedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.SessionId, r.StartedAt, r.ContentType, r.Bytes })
            .ToListAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(timeZoneId);
        var exported = new List<ExportedRecordingDto>(rows.Count);
        foreach (var r in rows)
        {
            var local = NodaTime.Instant.FromDateTimeOffset(r.StartedAt).InZone(zone).LocalDateTime;
            var file = $"recordings/{local.ToString("yyyy-MM-dd HHmm", System.Globalization.CultureInfo.InvariantCulture)} {Ids.Format(r.Id)}{SubjectAccessZip.ExtensionOf(r.ContentType)}";
            exported.Add(new ExportedRecordingDto(Ids.Format(r.Id), Ids.Format(r.SessionId), r.StartedAt, r.ContentType, r.Bytes, file));
            AuditLog.Record(db, user, AuditActions.RecordingExported, AuditSubjects.Recording, r.Id, new { r.SessionId });
        }
        return exported;
    }

    /// <summary>
    /// A staff email's subject with the other children of a small group left out (the teacher's
    /// copies and reminders name every child): each other name becomes "another pupil" and the
    /// pupil's own stays (<see cref="NameRedaction"/>).
    /// </summary>
    internal static string WithoutNames(string subject, IEnumerable<string> names, string own) =>
        NameRedaction.Of(names, own, AnotherPupil).Apply(subject)!;

    /// <summary>What another child's name becomes in the records of sessions and their emails.</summary>
    public const string AnotherPupil = "another pupil";

    /// <summary>What another child's name becomes in the concerns.</summary>
    public const string AnotherChild = "another child";

    /// <summary>The session emails of <paramref name="messages"/>, oldest first (each names its session).</summary>
    private static async Task<List<SubjectEmailDto>> EmailsAsync(IQueryable<OutboxMessage> messages, CancellationToken ct) =>
        (await messages.AsNoTracking().OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new { m.SessionId, m.Kind, m.RecipientName, m.RecipientEmail, m.Subject, m.Status, m.CreatedAt, m.SentAt })
            .ToListAsync(ct))
        .Select(m => new SubjectEmailDto(Ids.Format(m.SessionId!.Value), OutboxQueries.KindName(m.Kind), m.RecipientName, m.RecipientEmail, m.Subject,
            m.Status.ToString().ToLowerInvariant(), m.CreatedAt, m.SentAt))
        .ToList();

    /// <summary>The audit entries of <paramref name="entries"/>, oldest first: what was done, when and by whom.</summary>
    private static Task<List<SubjectTrailDto>> TrailAsync(IQueryable<AuditEntry> entries, CancellationToken ct) =>
        entries.AsNoTracking().OrderBy(e => e.At).ThenBy(e => e.Id)
            .Select(e => new SubjectTrailDto(e.At, e.Action, e.ActorName, e.SubjectType, e.SubjectId, e.Details))
            .ToListAsync(ct);

    /// <summary>
    /// An export as the download: the JSON as the API writes it, or, with recordings, the ZIP that
    /// holds it and them (<see cref="SubjectAccessZip"/>); named for its subject and the day.
    /// </summary>
    public async Task<IResult> DownloadAsync(HttpContext http, object export, string subjectName, IReadOnlyList<ExportedRecordingDto>? recordings,
        System.Text.Json.JsonSerializerOptions json, CancellationToken ct)
    {
        var name = $"subject-access-{RecordEndpoints.FileNamePart(subjectName)}-{Pages.Display.Iso(NodaTime.Instant.FromDateTimeOffset(clock.GetUtcNow()).InUtc().Date)}";
        if (recordings is null)
        {
            return TypedResults.File(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(export, export.GetType(), json), "application/json", name + ".json");
        }
        return await SubjectAccessZip.WriteAsync(http, export, name + ".zip", recordings, db, store, json, ct);
    }

    /// <summary>The names of the other children the concerns about the pupil are also about (drafts too: their words may name them).</summary>
    private async Task<HashSet<string>> OtherChildrenAsync(Guid schoolId, Guid pupilId, CancellationToken ct)
    {
        var concerns = db.Set<ConcernPupil>().Where(cp => cp.SchoolId == schoolId && cp.PupilId == pupilId).Select(cp => cp.ConcernId);
        var names = await db.Set<ConcernPupil>().AsNoTracking().Where(cp => cp.SchoolId == schoolId && cp.PupilId != pupilId && concerns.Contains(cp.ConcernId))
            .Join(db.Pupils, cp => cp.PupilId, p => p.Id, (cp, p) => p.Name).Distinct().ToListAsync(ct);
        return names.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// A concern as a pupil's export holds it: about the pupil, and "also about another child" (or
    /// "2 other children") without naming them, nor giving their ids; their names taken out of what
    /// was reported and of the chronology (<paramref name="otherChildren"/>).
    /// </summary>
    internal static ConcernDto AsItConcerns(ConcernDto concern, string pupilId, NameRedaction otherChildren) => concern with
    {
        Pupils = [.. concern.Pupils.Where(p => p.Id == pupilId)],
        AlsoAbout = NameRedaction.OthersText(concern.Pupils.Count(p => p.Id != pupilId)),
        Summary = otherChildren.Apply(concern.Summary)!,
        Detail = otherChildren.Apply(concern.Detail)!,
        ChildsOwnWords = otherChildren.Apply(concern.ChildsOwnWords),
        Chronology = [.. concern.Chronology.Select(e => e with { Text = otherChildren.Apply(e.Text)! })],
    };

    private async Task<(List<ConcernDto>? Concerns, string Note)> ConcernsAsync(ClaimsPrincipal user, Guid pupilId, bool include, NameRedaction otherChildren, CancellationToken ct)
    {
        if (!include)
        {
            return (null, "Not included: the concerns about the pupil were not asked for. The DSL decides whether to include them (safeguarding records may be withheld where disclosing them would be likely to cause serious harm).");
        }
        if (!ConcernAccess.ReadsBehaviour(user))
        {
            return (null, "Not included: only the DSL and senior leaders signed in with two factors may include concerns.");
        }
        var found = await ConcernAccess.Visible(db, user).AsNoTracking().Include(c => c.Pupils)
            .Where(c => c.Status == ConcernStatus.Raised && c.Pupils.Any(p => p.PupilId == pupilId))
            .OrderBy(c => c.RaisedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var concerns = new List<ConcernDto>(found.Count);
        foreach (var concern in found)
        {
            concerns.Add(AsItConcerns(await ConcernDtos.DetailAsync(db, concern, user, ct), Ids.Format(pupilId), otherChildren));
        }
        return (concerns, ConcernAccess.ReadsSafeguarding(user)
            ? "Included: every concern raised about the pupil, safeguarding and behaviour, with its chronology."
            : "Included: the behaviour concerns raised about the pupil, with their chronology. Safeguarding concerns are the DSL's to include.");
    }
}
