using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Families;

/// <summary>
/// A parent or carer telling the school, from their page, that they cannot come to a session
/// (<see cref="CannotCome"/>), or that they can after all. Appended, never edited: a guardian's
/// newest notice for the session's current time (<see cref="SessionSequence"/>) counts, so moving
/// the session leaves the earlier ones as history.
/// </summary>
public sealed class FamilyAbsenceNotice
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public Guid GuardianId { get; set; }
    /// <summary>The session's booking sequence when it was sent: the time it was about.</summary>
    public int SessionSequence { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>True: they cannot come; false: they take it back, and can come after all.</summary>
    public bool CannotCome { get; set; }
    /// <summary>What they wrote for the teacher, if anything.</summary>
    public string? Message { get; set; }
}

internal sealed class FamilyAbsenceNoticeConfiguration : IEntityTypeConfiguration<FamilyAbsenceNotice>
{
    public void Configure(EntityTypeBuilder<FamilyAbsenceNotice> b)
    {
        b.ToTable("FamilyAbsenceNotices");
        b.Property(n => n.Id).ValueGeneratedNever();
        b.Property(n => n.Message).HasMaxLength(FamilyAbsence.MaxMessage);
        b.HasOne<Session>().WithMany().HasForeignKey(n => n.SessionId);
        b.HasOne<Guardian>().WithMany().HasForeignKey(n => n.GuardianId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(n => new { n.SessionId, n.GuardianId, n.At });
        b.HasIndex(n => n.SchoolId);
    }
}

/// <summary>A family's word that they cannot come: when they said it, and what they wrote.</summary>
public sealed record FamilyCannotComeDto(DateTimeOffset At, string? Message);

/// <summary>
/// In a session's record: a parent or carer who said on their page, before the call, that they
/// could not come at its time, and had not taken it back; <see cref="PupilIds"/> are their own
/// children of the session, whose absence it explains.
/// </summary>
public sealed record CannotComeFact(string GuardianId, string GuardianName, string Relationship, DateTimeOffset At, string? Message, IReadOnlyList<string> PupilIds);

/// <summary>The body of <c>POST /api/v1/family/{token}/cannot-come</c>: a few words for the teacher, if they like.</summary>
public sealed record FamilyCannotComeRequest(string? Message);

/// <summary>
/// Families saying they cannot come: which guardians of a session have said so for its current
/// time, and the email that tells the teacher. The email is content-free, as the concern alerts
/// are: what the family wrote may be personal, so it is read on the session's page after signing in.
/// </summary>
public static class FamilyAbsence
{
    public const int MaxMessage = 1000;

    /// <summary>Whether a family can still say they cannot come to <paramref name="session"/>, or take it back: until it starts.</summary>
    public static bool CanSay(Session session, DateTimeOffset now) => session.Status == SessionStatus.Scheduled && now < session.Start;

    /// <summary>
    /// The session, read inside a write transaction so that a move or cancellation cannot come
    /// between this read and the commit: on PostgreSQL the row is locked for share (a move waits
    /// for the commit; one already under way is waited for and its result read); on SQLite the
    /// transaction already holds the write turn.
    /// </summary>
    public static async Task<Session?> ReadForWriteAsync(ChaperoneDbContext db, Guid sessionId, CancellationToken ct) =>
        db.Database.IsNpgsql()
            ? await db.Sessions.FromSqlInterpolated($"SELECT * FROM \"Sessions\" WHERE \"Id\" = {sessionId} FOR SHARE").AsNoTracking().FirstOrDefaultAsync(ct)
            : await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);

    /// <summary>Those of the session's guardians whose newest notice for its time <paramref name="sequence"/> says they cannot come.</summary>
    public static async Task<Dictionary<Guid, FamilyCannotComeDto>> CurrentAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, int sequence, CancellationToken ct, Guid? guardianId = null)
    {
        var notices = await db.Set<FamilyAbsenceNotice>().AsNoTracking()
            .Where(n => n.SchoolId == schoolId && n.SessionId == sessionId && n.SessionSequence == sequence && (guardianId == null || n.GuardianId == guardianId))
            .ToListAsync(ct);
        return Standing(notices).ToDictionary(n => n.GuardianId, n => new FamilyCannotComeDto(n.At.ToUniversalTime(), n.Message));
    }

    /// <summary>Of one time's notices, each guardian's newest, where it says they cannot come.</summary>
    private static IEnumerable<FamilyAbsenceNotice> Standing(IEnumerable<FamilyAbsenceNotice> notices) =>
        notices.GroupBy(n => (n.SessionId, n.GuardianId))
            .Select(g => g.OrderByDescending(n => n.At).ThenByDescending(n => n.Id).First())
            .Where(n => n.CannotCome);

    /// <summary>Those of <paramref name="sessionIds"/> for which a guardian's newest notice about the session's current time says they cannot come (ids as the API writes them).</summary>
    public static async Task<IReadOnlySet<string>> SessionsAsync(ChaperoneDbContext db, Guid schoolId, IReadOnlyList<Guid> sessionIds, CancellationToken ct) =>
        Standing(await AboutCurrentTimesAsync(db, schoolId, sessionIds, ct)).Select(n => Ids.Format(n.SessionId)).ToHashSet();

    /// <summary>For the records of <paramref name="sessionIds"/>: each session's standing notices, with who gave them and for which of their children.</summary>
    public static async Task<ILookup<Guid, CannotComeFact>> FactsAsync(ChaperoneDbContext db, Guid schoolId, IReadOnlyList<Guid> sessionIds, CancellationToken ct)
    {
        var standing = Standing(await AboutCurrentTimesAsync(db, schoolId, sessionIds, ct)).ToList();
        if (standing.Count == 0)
        {
            return Array.Empty<CannotComeFact>().ToLookup(_ => Guid.Empty);
        }
        var guardianIds = standing.Select(n => n.GuardianId).Distinct().ToList();
        var withNotices = standing.Select(n => n.SessionId).Distinct().ToList();
        var guardians = await db.Guardians.AsNoTracking().Where(g => g.SchoolId == schoolId && guardianIds.Contains(g.Id))
            .Select(g => new { g.Id, g.Name, g.Relationship }).ToDictionaryAsync(g => g.Id, ct);
        var theirs = (await db.SessionPupils.AsNoTracking().Where(sp => sp.SchoolId == schoolId && withNotices.Contains(sp.SessionId))
                .Join(db.PupilGuardians.Where(pg => guardianIds.Contains(pg.GuardianId)), sp => sp.PupilId, pg => pg.PupilId, (sp, pg) => new { sp.SessionId, pg.GuardianId, sp.PupilId })
                .ToListAsync(ct))
            .ToLookup(x => (x.SessionId, x.GuardianId), x => Ids.Format(x.PupilId));
        return standing.OrderBy(n => n.At).ToLookup(n => n.SessionId, n => new CannotComeFact(Ids.Format(n.GuardianId),
            guardians.GetValueOrDefault(n.GuardianId)?.Name ?? "Parent or carer", guardians.GetValueOrDefault(n.GuardianId)?.Relationship ?? "",
            n.At.ToUniversalTime(), n.Message, [.. theirs[(n.SessionId, n.GuardianId)].Order(StringComparer.Ordinal)]));
    }

    /// <summary>The notices of <paramref name="sessionIds"/> about each session's current time.</summary>
    private static async Task<List<FamilyAbsenceNotice>> AboutCurrentTimesAsync(ChaperoneDbContext db, Guid schoolId, IReadOnlyList<Guid> sessionIds, CancellationToken ct) =>
        sessionIds.Count == 0 ? [] : await db.Set<FamilyAbsenceNotice>().AsNoTracking()
            .Where(n => n.SchoolId == schoolId && sessionIds.Contains(n.SessionId)
                && db.Sessions.Any(s => s.Id == n.SessionId && s.Sequence == n.SessionSequence))
            .ToListAsync(ct);

    /// <summary>
    /// The words a guardian sends, each line break one LF and trimmed (null when empty), or the error
    /// on the <c>message</c> field. A browser's <c>maxlength</c> counts a line break as one
    /// character, and its form then sends it as CRLF: counted as they were typed, the limit is the one
    /// the parent was shown.
    /// </summary>
    public static (string? Message, string? Error) Check(string? message)
    {
        var trimmed = message?.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();
        if (FreeText.IsBlank(trimmed))
        {
            return (null, null);
        }
        if (trimmed.Length > MaxMessage)
        {
            return (null, $"Please keep your message to {MaxMessage} characters (it has {trimmed.Length}). The school office can take anything longer.");
        }
        return FreeText.HasControlCharacters(trimmed)
            ? (null, "Your message has characters that cannot be kept: please type it again.")
            : (trimmed, null);
    }

    /// <summary>What the teacher (or, if they have left, each senior leader) is told about a session.</summary>
    /// <param name="Left">Once they cannot come: each of their children with who is still expected (<see cref="WhoIsLeft"/>).</param>
    public sealed record About(Guid SessionId, Guid SchoolId, string SchoolName, NodaTime.DateTimeZone Zone, DateTimeOffset Start, DateTimeOffset End,
        string Guardian, string Relationship, IReadOnlyList<string> Pupils, IReadOnlyList<WhoIsLeft.Pupil>? Left = null);

    /// <summary>
    /// The email that a family cannot come (or can after all), to <paramref name="to"/>, stored
    /// ready-made: its wording is the school's, not a template. It names the family and the session,
    /// and sends the reader to the session's page for what they wrote.
    /// </summary>
    public static OutboxMessage Compose(EmailOptions options, Uri baseUrl, About s, bool cannotCome, (Guid Id, string Name, string Email, string Role) to, DateTimeOffset now)
    {
        var pupils = string.Join(" and ", s.Pupils);
        var when = $"{Pages.Display.When(s.Start, s.End, s.Zone)} ({MessageComposer.ZoneLabel(s.Zone)})";
        var link = new Uri(baseUrl, $"/sessions/{Ids.Format(s.SessionId)}").ToString();
        // The subject names the children, not the parent: it is kept among the session's emails, which
        // each child's subject access export lists (with the other children's names left out).
        var subject = cannotCome
            ? $"A family cannot come to the video call with {pupils}: {when}"
            : $"A family can come to the video call with {pupils} after all: {when}";
        var body = new MailBody().Paragraph($"Dear {to.Name},");
        if (cannotCome)
        {
            body.Strong($"{s.Guardian} ({s.Relationship}) has told the school, on their page for the call, that they cannot come to the video call with {pupils} on {when}.");
            if (s.Left is { Count: > 0 } left)
            {
                body.Heading("Who is still expected").List([.. left.Select(p => p.ForTeacher())]);
            }
            body.Paragraph(s.Left?.All(p => p.Verdict == WhoIsLeft.Verdict.GoesAhead) == true
                ? "Anything they wrote is on the session's page. If the call is moved or cancelled there, everyone invited is emailed."
                : "Anything they wrote is on the session's page, where the session can be moved or cancelled; everyone invited is emailed either way.");
        }
        else
        {
            body.Strong($"{s.Guardian} ({s.Relationship}) had said they could not come to the video call with {pupils} on {when}, and has now said, on their page for the call, that they can come after all.");
        }
        body.Link("Open the session", link);
        return MessageComposer.ReadyMade(options, s.SchoolId, s.SchoolName, cannotCome ? MessageKind.FamilyCannotCome : MessageKind.FamilyCanCome, to.Role,
            (to.Id, to.Name, to.Email), subject, body, now, s.SessionId);
    }

    /// <summary>Who is told: the session's teacher, or, once they have left the school, its senior leaders.</summary>
    public static async Task<List<(Guid Id, string Name, string Email, string Role)>> RecipientsAsync(ChaperoneDbContext db, Session session, CancellationToken ct)
    {
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == session.TeacherId && u.SchoolId == session.SchoolId)
            .Select(u => new { u.Id, u.Name, u.Email, Active = u.AccessEndedAt == null }).FirstOrDefaultAsync(ct);
        var people = teacher is { Active: true }
            ? [(teacher.Id, teacher.Name, teacher.Email, "teacher")]
            : (await StaffWithRole.ListAsync(db, session.SchoolId, Roles.Slt, ct)).Select(l => (l.Id, l.Name, l.Email, "slt")).ToList();
        return [.. people.Where(p => p.Email is not null && ManagePeople.IsEmail(p.Email)).Select(p => (p.Item1, p.Item2, p.Item3!, p.Item4))];
    }
}

/// <summary>
/// Clauses 4 and 1 once a parent or carer has said they cannot come: for each of their children on
/// the session, the other adults invited for that child who have not said so too, and whether the
/// call can still go ahead with them. Nobody left: the child cannot take part, with nobody to
/// supervise them (clause 4). Adults left, none with parental responsibility: nobody can give
/// consent (clause 1). Someone with it left: the call can go ahead with them.
/// </summary>
public static class WhoIsLeft
{
    public enum Verdict { GoesAhead, NoConsent, NoSupervision }

    public sealed record Adult(string Name, string Relationship, bool HasParentalResponsibility);

    public sealed record Pupil(string Name, IReadOnlyList<Adult> Adults)
    {
        public Verdict Verdict => Adults.Count == 0 ? Verdict.NoSupervision
            : Adults.Any(a => a.HasParentalResponsibility) ? Verdict.GoesAhead
            : Verdict.NoConsent;

        /// <summary>What it means for the call, for the teacher: who is still expected, and whether the call can go ahead.</summary>
        public string ForTeacher()
        {
            var adults = string.Join(" and ", Adults.Select(a => $"{a.Name} ({a.Relationship})"));
            var still = Adults.Count == 1 ? "is still expected" : "are still expected";
            return Verdict switch
            {
                Verdict.NoSupervision => $"No other parent or carer invited for {Name} is still expected. Without a parent or carer to supervise them, {Name} cannot take part (clause 4).",
                Verdict.NoConsent => $"{adults} {still} with {Name}, but {(Adults.Count == 1 ? "does" : "do")} not hold parental responsibility, so nobody left can give consent for {Name} (clause 1): the call cannot go ahead with them alone.",
                _ => $"{adults} {still} with {Name}, so the call can go ahead with them.",
            };
        }
    }

    /// <summary>
    /// The children of the session that <paramref name="guardianId"/> is linked to, each with the
    /// session's other invited adults of theirs who have not said, for its time <paramref name="sequence"/>,
    /// that they cannot come.
    /// </summary>
    public static async Task<List<Pupil>> ReadAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, int sequence, Guid guardianId, CancellationToken ct)
    {
        var pupils = await db.SessionPupils.AsNoTracking().Where(sp => sp.SessionId == sessionId && sp.SchoolId == schoolId
                && db.PupilGuardians.Any(pg => pg.PupilId == sp.PupilId && pg.GuardianId == guardianId && pg.SchoolId == schoolId))
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { p.Id, p.Name })
            .ToListAsync(ct);
        var pupilIds = pupils.ConvertAll(p => p.Id);
        var adults = await db.SessionGuardians.AsNoTracking().Where(sg => sg.SessionId == sessionId && sg.SchoolId == schoolId && sg.GuardianId != guardianId)
            .Join(db.PupilGuardians.Where(pg => pg.SchoolId == schoolId && pupilIds.Contains(pg.PupilId)), sg => sg.GuardianId, pg => pg.GuardianId, (sg, pg) => new { pg.PupilId, sg.GuardianId })
            .Join(db.Guardians, x => x.GuardianId, g => g.Id, (x, g) => new { x.PupilId, g.Id, g.Name, g.Relationship, g.HasParentalResponsibility })
            .ToListAsync(ct);
        var notComing = await FamilyAbsence.CurrentAsync(db, schoolId, sessionId, sequence, ct);
        return [.. pupils.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new Pupil(p.Name,
            [.. adults.Where(a => a.PupilId == p.Id && !notComing.ContainsKey(a.Id)).OrderBy(a => a.Name, StringComparer.Ordinal)
                .Select(a => new Adult(a.Name, a.Relationship, a.HasParentalResponsibility))]))];
    }
}
