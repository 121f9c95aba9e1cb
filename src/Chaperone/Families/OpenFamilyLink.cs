using Chaperone.Infrastructure;
using Chaperone.Pages;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Families;

/// <summary>A session as the family sees it through their link: when, who, what will happen, their checklist and the join button.</summary>
/// <param name="Provider">Where the call takes place: <c>builtin</c> (the school's own call page) or <c>teams</c> (a Microsoft Teams meeting).</param>
/// <param name="Pupils">The guardian's own children on the session: in a small group, the other children are not named to them.</param>
/// <param name="OtherPupils">How many other children the small group has (each with their own parent or carer).</param>
/// <param name="CannotCome">When this guardian told the school they cannot come at the session's time, and what they wrote; null if they have not (or took it back).</param>
/// <param name="CanSayCannotCome">Whether they can still say so, or take it back: until the start.</param>
/// <param name="GoesAheadWithoutYou">Once they cannot come: whether each of their children still has another invited adult coming, one with parental responsibility among them, so that the call can go ahead as booked without them (<see cref="WhoIsLeft"/>).</param>
/// <param name="ParentalResponsibility">Whether this parent or carer holds parental responsibility: one who does not supervises, and is told that consent is not theirs to give (clause 1; <see cref="SupervisingOnly"/>).</param>
/// <param name="Office">How to contact the school office, if the school has said.</param>
public sealed record FamilySessionDto(
    string School,
    string Kind,
    string Provider,
    string Status,
    DateTimeOffset Start,
    DateTimeOffset End,
    string StartLocal,
    string EndLocal,
    string TimeZone,
    string When,
    int DurationMinutes,
    string Teacher,
    IReadOnlyList<string> Pupils,
    string Guardian,
    bool FirstSessionWithTeacher,
    FamilyChecklistDto Checklist,
    FamilyJoinDto Join,
    FamilyConsentDto? Consent = null,
    int OtherPupils = 0,
    FamilyCannotComeDto? CannotCome = null,
    bool CanSayCannotCome = false,
    bool GoesAheadWithoutYou = false,
    bool ParentalResponsibility = true,
    Schools.SchoolOfficeDto? Office = null);

/// <summary>
/// Clause 1 for a Teams session (null for the built-in room, which asks it in the call): Teams
/// cannot ask for consent, so a parent with parental responsibility gives it on their page at the
/// start, before the page gives them the meeting's link.
/// </summary>
/// <param name="CanConsent">Whether this guardian may consent: they hold parental responsibility for a child of the session.</param>
/// <param name="Open">Whether consent can be given now (from <see cref="OpenFamilyLink.JoinOpensBefore"/> the start).</param>
/// <param name="Text">The words they consent to (their own children named), as they are stored; null if they cannot consent.</param>
/// <param name="GivenAt">When they gave it, if they have.</param>
public sealed record FamilyConsentDto(bool CanConsent, bool Open, string? Text, DateTimeOffset? GivenAt, string Message);

public sealed record FamilyChecklistDto(IReadOnlyList<FamilyChecklistItemDto> Items, DateTimeOffset? SavedAt);

public sealed record FamilyChecklistItemDto(string Key, int Clause, string Text, bool Ticked);

/// <summary>The join button: closed until <see cref="OpensAt"/>, then it leads to <see cref="Url"/>.</summary>
/// <param name="Url">Where joining leads once open: the family's call page (a path on this site) for the built-in room, or the Teams meeting's own join link; null while closed, and for Teams while the meeting is not yet made.</param>
public sealed record FamilyJoinDto(bool Open, DateTimeOffset OpensAt, string Message, string? Url = null);

/// <summary>The body of <c>PUT /api/v1/family/{token}/checklist</c>: the keys of the items ticked.</summary>
public sealed record FamilyChecklistRequest(string[]? Ticked);

/// <summary>What a family link opens, if anything. Closed links say nothing about any session or person.</summary>
public abstract record FamilyLinkOutcome
{
    private FamilyLinkOutcome() { }

    /// <summary>The link opens this guardian's page of this session; <paramref name="TeamsFacts"/> are the call's facts its consent was read from (a Teams session only).</summary>
    public sealed record Open(FamilySessionDto Session, Guid SchoolId, Guid SessionId, Guid GuardianId, DateTimeZone Zone, Calls.RoomFacts? TeamsFacts = null) : FamilyLinkOutcome;

    /// <summary>Not a link we made, altered, or no longer naming a guardian of the session (404).</summary>
    public sealed record Unknown : FamilyLinkOutcome;

    /// <summary>The school cancelled the session (410); <paramref name="Office"/>: how to contact its office, if the school has said.</summary>
    public sealed record Cancelled(Schools.SchoolOfficeDto? Office = null) : FamilyLinkOutcome;

    /// <summary>The session is over (its end and <see cref="FamilyLinks.GraceAfterEnd"/> have passed) (410); <paramref name="Office"/>: how to contact the school's office, if it has said.</summary>
    public sealed record Expired(Schools.SchoolOfficeDto? Office = null) : FamilyLinkOutcome;

    /// <summary>The checklist answers had something wrong with them (400), nothing saved.</summary>
    public sealed record Invalid(IDictionary<string, string[]> Errors) : FamilyLinkOutcome;
}

/// <summary>
/// Opens a family link: the token must be ours and unaltered, name a guardian still invited to
/// the session and still linked to one of its pupils, in the session's own school; the session
/// must not be cancelled, and not over. Validity is decided here, at use, so a reschedule shows
/// the new time and a cancellation closes every link at once.
/// </summary>
public sealed class OpenFamilyLink(ChaperoneDbContext db, FamilyLinks links, TimeProvider clock, Notifications.EmailOptions options, Notifications.OutboxSignal outbox)
{
    /// <summary>
    /// The guardian a family link names, if it still opens its session's pages and call: invited
    /// to the session and still linked to one of its pupils, in the session's own school. A parent
    /// or carer the school has since unlinked from the child is refused everywhere the link leads.
    /// </summary>
    public static IQueryable<People.Guardian> Admitted(ChaperoneDbContext db, Guid schoolId, Guid sessionId, Guid guardianId) =>
        db.Guardians.AsNoTracking()
            .Where(g => g.Id == guardianId && g.SchoolId == schoolId)
            .Where(g => db.SessionGuardians.Any(sg => sg.SessionId == sessionId && sg.GuardianId == g.Id && sg.SchoolId == schoolId))
            .Where(g => db.PupilGuardians.Any(pg => pg.GuardianId == g.Id && pg.SchoolId == schoolId
                && db.SessionPupils.Any(sp => sp.SessionId == sessionId && sp.PupilId == pg.PupilId && sp.SchoolId == schoolId)));

    /// <summary>How long before the start the join button opens: when the room does (<see cref="Calls.OpeningWindowRule"/>).</summary>
    public static readonly TimeSpan JoinOpensBefore = Calls.OpeningWindowRule.Lead;

    public async Task<FamilyLinkOutcome> OpenAsync(string? token, CancellationToken ct)
    {
        if (links.Read(token) is not { } link)
        {
            return new FamilyLinkOutcome.Unknown();
        }
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == link.SessionId, ct);
        if (session is null)
        {
            return new FamilyLinkOutcome.Unknown();
        }
        var schoolId = session.SchoolId;
        var guardian = await Admitted(db, schoolId, session.Id, link.GuardianId)
            .Select(g => new { g.Id, g.Name, g.HasParentalResponsibility })
            .FirstOrDefaultAsync(ct);
        if (guardian is null)
        {
            return new FamilyLinkOutcome.Unknown();
        }
        if (session.Status == SessionStatus.Cancelled)
        {
            return new FamilyLinkOutcome.Cancelled(await OfficeAsync(schoolId, ct));
        }
        if (clock.GetUtcNow() >= ExpiresAt(session))
        {
            return new FamilyLinkOutcome.Expired(await OfficeAsync(schoolId, ct));
        }

        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).FirstAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == session.TeacherId).Select(u => u.Name).FirstAsync(ct);
        var pupils = await db.SessionPupils.AsNoTracking().Where(sp => sp.SessionId == session.Id && sp.SchoolId == schoolId)
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { p.Id, p.Name })
            .OrderBy(p => p.Name).ToListAsync(ct);
        var pupilIds = pupils.Select(p => p.Id).ToList();
        // In a small group, the page names only this guardian's own children, and counts the others.
        var own = await db.PupilGuardians.AsNoTracking().Where(l => l.SchoolId == schoolId && l.GuardianId == guardian.Id && pupilIds.Contains(l.PupilId))
            .Select(l => l.PupilId).ToListAsync(ct);
        var ownPupils = pupils.Where(p => own.Contains(p.Id)).ToList();
        // Clause 7: the full expectations at a pupil's first session with this teacher, a reminder after (as the console shows them).
        var first = await Calls.ExpectationsText.FirstSessionAsync(db, schoolId, session.TeacherId, session.Id, session.Start, pupilIds, ct);
        var answers = await FamilyChecklist.LatestOfAsync(db, schoolId, session.Id, guardian.Id, ct);
        // When the room opens (clause 3): 10 minutes before the start, but not before the day's school hours.
        var opensAt = Calls.OpeningWindowRule.OpensAt(await BookingFacts.LoadSettingsAsync(db, schoolId, ct), session.Start);
        var opensLocal = Instant.FromDateTimeOffset(opensAt).InZone(zone).LocalDateTime;
        var inTeams = session.Provider == CallProviders.Teams;
        var teamsJoinUrl = inTeams
            ? await db.Set<Teams.TeamsMeeting>().AsNoTracking().Where(m => m.SessionId == session.Id && m.SchoolId == schoolId).Select(m => m.JoinUrl).FirstOrDefaultAsync(ct)
            : null;
        var due = clock.GetUtcNow() >= opensAt;
        var (consent, teamsFacts) = inTeams ? await TeamsConsentAsync(schoolId, session.Id, guardian.Id, due, ct) : (null, null);
        var said = (await FamilyAbsence.CurrentAsync(db, schoolId, session.Id, session.Sequence, ct, guardian.Id)).GetValueOrDefault(guardian.Id);

        var dto = new FamilySessionDto(
            school.Name,
            session.Kind.ToApi(),
            inTeams ? CallProviders.Teams : CallProviders.BuiltIn,
            session.Status.ToApi(),
            session.Start.ToUniversalTime(),
            session.End.ToUniversalTime(),
            SessionView.Local(session.Start, zone),
            SessionView.Local(session.End, zone),
            zone.Id,
            Display.When(session.Start, session.End, zone),
            session.DurationMinutes,
            teacher,
            ownPupils.Select(p => p.Name).ToList(),
            guardian.Name,
            first,
            new FamilyChecklistDto(
                FamilyChecklist.Items.Select(i => new FamilyChecklistItemDto(i.Key, i.Clause, i.Text, answers?.Ticked.Contains(i.Key) == true)).ToList(),
                answers?.AnsweredAt.ToUniversalTime()),
            JoinOf(due, session.Start, opensAt, opensLocal, token ?? "", inTeams, teamsJoinUrl, consent),
            consent,
            pupils.Count - ownPupils.Count,
            said,
            FamilyAbsence.CanSay(session, clock.GetUtcNow()),
            said is not null && (await WhoIsLeft.ReadAsync(db, schoolId, session.Id, session.Sequence, guardian.Id, ct)).All(p => p.Verdict == WhoIsLeft.Verdict.GoesAhead),
            guardian.HasParentalResponsibility,
            await OfficeAsync(schoolId, ct));
        return new FamilyLinkOutcome.Open(dto, schoolId, session.Id, guardian.Id, zone, teamsFacts);
    }

    /// <summary>How families contact the school office, if the school has said (<see cref="Schools.SchoolContact"/>).</summary>
    private Task<Schools.SchoolOfficeDto?> OfficeAsync(Guid schoolId, CancellationToken ct) =>
        db.Schools.AsNoTracking().Where(s => s.Id == schoolId && (s.OfficeEmail != null || s.OfficePhone != null))
            .Select(s => new Schools.SchoolOfficeDto(s.OfficeEmail, s.OfficePhone)).FirstOrDefaultAsync(ct);

    /// <summary>A Teams session's consent as this guardian's page shows it (<see cref="FamilyConsentDto"/>).</summary>
    private async Task<(FamilyConsentDto, Calls.RoomFacts)> TeamsConsentAsync(Guid schoolId, Guid sessionId, Guid guardianId, bool due, CancellationToken ct)
    {
        var facts = (await Calls.RoomRegistry.LoadFactsAsync(db, schoolId, sessionId, ct, builtInOnly: false))!;
        var guardian = facts.Guardian(guardianId)!;
        if (Calls.ConsentRule.Check(facts, guardian) is not null)
        {
            var theirs = facts.PupilsOf(guardian);
            return (new FamilyConsentDto(false, due, null, null,
                $"A parent with parental responsibility for {string.Join(" and ", (theirs.Count > 0 ? theirs : facts.Pupils).Select(p => p.Name))} gives consent for the call on their own page, so you do not need to."), facts);
        }
        var givenAt = await db.Set<Calls.CallEventRecord>().AsNoTracking()
            .Where(e => e.SchoolId == schoolId && e.SessionId == sessionId && e.Kind == Calls.RoomEvents.ConsentGiven && e.Actor == $"guardian:{guardianId}")
            .OrderByDescending(e => e.At).Select(e => (DateTimeOffset?)e.At).FirstOrDefaultAsync(ct);
        return (new FamilyConsentDto(true, due, Calls.ConsentText.For(facts, guardian), givenAt?.ToUniversalTime(),
            givenAt is not null ? "Thank you: your consent is recorded, and the teacher will confirm it with you at the start of the call."
            : due ? "Please read this and give your consent: the link to the Teams meeting then appears."
            : "At the start of the call (from 10 minutes before), you give your consent here; the link to the Teams meeting then appears."), facts);
    }

    /// <summary>
    /// Clause 1 for a Teams session: a parent with parental responsibility consents on their page at
    /// the start (from <see cref="JoinOpensBefore"/>), in the words shown, stored as the call's
    /// consent event (how: <see cref="Calls.ConsentText.OnFamilyPage"/>) for the session's record.
    /// Giving it again keeps the first, and of consents sent at once one is stored.
    /// </summary>
    public async Task<FamilyLinkOutcome> GiveConsentAsync(string? token, CancellationToken ct)
    {
        var opened = await OpenAsync(token, ct);
        if (opened is not FamilyLinkOutcome.Open open)
        {
            return opened;
        }
        static FamilyLinkOutcome.Invalid No(string message) => new(new Dictionary<string, string[]> { ["consent"] = [message] });
        if (open.Session.Consent is not { } consent)
        {
            return No("In the built-in room, consent is given in the call itself, on your screen at its start.");
        }
        if (!consent.CanConsent)
        {
            return No(consent.Message);
        }
        if (!consent.Open)
        {
            return No("Consent is given at the start of the call: from 10 minutes before it, on this page.");
        }
        if (consent.GivenAt is not null)
        {
            return open;
        }
        // The facts the page's consent was read from: the words stored are those shown.
        var facts = open.TeamsFacts!;
        var given = Calls.RoomEvent.Of(Calls.RoomEvents.ConsentGiven, $"guardian:{open.GuardianId}", clock.GetUtcNow(),
            Calls.ConsentText.EventData(facts, facts.Guardian(open.GuardianId)!, Calls.ConsentText.OnFamilyPage));
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            // Two consents sent at once store one: writers of one guardian's consent take turns, and the second finds the first.
            await WriteTransaction.TakeTurnAsync(db, $"family-consent:{Ids.Format(open.SessionId)}:{Ids.Format(open.GuardianId)}", ct);
            var actor = $"guardian:{open.GuardianId}";
            if (!await db.Set<Calls.CallEventRecord>().AnyAsync(e => e.SchoolId == open.SchoolId && e.SessionId == open.SessionId && e.Kind == Calls.RoomEvents.ConsentGiven && e.Actor == actor, ct))
            {
                db.Add(Calls.CallEventRecord.From(facts, given, 0));
                await db.SaveChangesAsync(ct);
            }
            await write.CommitAsync(ct);
        }
        return await OpenAsync(token, ct);
    }

    /// <summary>
    /// The join button: from when the room opens (<see cref="Calls.OpeningWindowRule.OpensAt"/>), the family's call page in the
    /// built-in room, or for a Teams session the meeting's own link (whose lobby only the teacher
    /// admits from), once a guardian who can consent has (<see cref="GiveConsentAsync"/>); a Teams
    /// meeting not made yet (Chaperone retries, and the teacher sees why) keeps the button closed
    /// with a word to the family.
    /// </summary>
    private static FamilyJoinDto JoinOf(bool due, DateTimeOffset start, DateTimeOffset opensAt, LocalDateTime opensLocal, string token, bool inTeams, string? teamsJoinUrl, FamilyConsentDto? consent)
    {
        var at = opensAt.ToUniversalTime();
        if (!due)
        {
            var when = $"{Display.Time(opensLocal.TimeOfDay)} on {Display.Day(opensLocal.Date)}";
            return new FamilyJoinDto(false, at, at == start - JoinOpensBefore
                ? $"The join button opens 10 minutes before the start, at {when}."
                : $"The join button opens at the start of school hours, at {when}.");
        }
        if (!inTeams)
        {
            return new FamilyJoinDto(true, at, "The call is open: join now. The teacher lets you in from the waiting room.", $"/family/{Uri.EscapeDataString(token)}/call");
        }
        if (teamsJoinUrl is null)
        {
            return new FamilyJoinDto(false, at, TeamsMeetingNotReady);
        }
        return consent is { CanConsent: true, GivenAt: null }
            ? new FamilyJoinDto(false, at, "Give your consent above: the link to the Teams meeting then appears here.")
            : new FamilyJoinDto(true, at, "The call is open: join the Teams meeting now, in the Teams app or a web browser. The teacher lets you in from the meeting's lobby.", teamsJoinUrl);
    }

    public const string TeamsMeetingNotReady = "The Teams meeting for this call is not ready yet. Please try again in a few minutes; if it is still not ready at the start time, contact the school.";

    /// <summary>Saves the guardian's answers (a new evidence row, with the time) if the link still opens; returns the page as it now stands.</summary>
    public async Task<FamilyLinkOutcome> SaveChecklistAsync(string? token, FamilyChecklistRequest request, CancellationToken ct)
    {
        var opened = await OpenAsync(token, ct);
        if (opened is not FamilyLinkOutcome.Open open)
        {
            return opened;
        }
        if (request.Ticked is null)
        {
            return new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]> { ["ticked"] = ["Send the keys of the items ticked (an empty list if none)."] });
        }
        var unknown = request.Ticked.Where(k => k is null || !FamilyChecklist.IsKnown(k)).Take(5).ToList();
        if (unknown.Count > 0)
        {
            return new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]>
            {
                ["ticked"] = [$"Each item is one of {string.Join(", ", FamilyChecklist.Items.Select(i => i.Key))}."],
            });
        }
        db.FamilyChecklistAnswers.Add(new FamilyChecklistAnswer
        {
            SchoolId = open.SchoolId,
            SessionId = open.SessionId,
            GuardianId = open.GuardianId,
            AnsweredAt = clock.GetUtcNow(),
            Ticked = FamilyChecklist.Items.Select(i => i.Key).Where(request.Ticked.Contains).ToList(),
        });
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        return await OpenAsync(token, ct);
    }

    /// <summary>
    /// The guardian tells the school they cannot come (<paramref name="cannotCome"/>), with a few
    /// words for the teacher if they like, or takes it back; until the start. A change is emailed to
    /// the teacher (<see cref="FamilyAbsence.Compose"/>); new words alone are kept without another email.
    /// </summary>
    public async Task<FamilyLinkOutcome> SayCannotComeAsync(string? token, bool cannotCome, string? message, CancellationToken ct)
    {
        var opened = await OpenAsync(token, ct);
        if (opened is not FamilyLinkOutcome.Open open)
        {
            return opened;
        }
        var tooLate = new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]>
        {
            ["cannotCome"] = ["The call has started, so this can no longer be changed here: please contact the school office."],
        });
        if (!open.Session.CanSayCannotCome)
        {
            return tooLate;
        }
        var (words, error) = cannotCome ? FamilyAbsence.Check(message) : (null, null);
        if (error is not null)
        {
            return new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]> { ["message"] = [error] });
        }
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            // One guardian's notices are written in turn, so each sees the last; and the session's
            // time is read inside the write, so a move at the same instant comes wholly before or after.
            await WriteTransaction.TakeTurnAsync(db, $"family-absence:{Ids.Format(open.SessionId)}:{Ids.Format(open.GuardianId)}", ct);
            var session = await FamilyAbsence.ReadForWriteAsync(db, open.SessionId, ct);
            if (session is null || !FamilyAbsence.CanSay(session, clock.GetUtcNow()))
            {
                return session?.Status == SessionStatus.Cancelled
                    ? new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]> { ["cannotCome"] = ["The school has just cancelled this call, so there is nothing to tell them."] })
                    : tooLate;
            }
            if (session.Start != open.Session.Start || session.End != open.Session.End)
            {
                // Moved this instant: what they meant was about the time they saw, so nothing is stored.
                return new FamilyLinkOutcome.Invalid(new Dictionary<string, string[]>
                {
                    ["cannotCome"] = [$"The school has just moved the call to {Display.When(session.Start, session.End, open.Zone)}. Please look at the new time, and say again if you cannot come then."],
                });
            }
            var said = (await FamilyAbsence.CurrentAsync(db, open.SchoolId, open.SessionId, session.Sequence, ct, open.GuardianId)).GetValueOrDefault(open.GuardianId);
            if (said is null && !cannotCome)
            {
                return open;
            }
            if (!cannotCome || said is null || said.Message != words)
            {
                var now = clock.GetUtcNow();
                db.Add(new FamilyAbsenceNotice
                {
                    SchoolId = open.SchoolId, SessionId = open.SessionId, GuardianId = open.GuardianId, SessionSequence = session.Sequence,
                    At = now, CannotCome = cannotCome, Message = words,
                });
                if ((said is null) == cannotCome)
                {
                    var guardian = await db.Guardians.AsNoTracking().Where(g => g.Id == open.GuardianId).Select(g => new { g.Name, g.Relationship }).FirstAsync(ct);
                    var left = cannotCome ? await WhoIsLeft.ReadAsync(db, open.SchoolId, open.SessionId, session.Sequence, open.GuardianId, ct) : null;
                    var about = new FamilyAbsence.About(session.Id, session.SchoolId, open.Session.School, open.Zone, session.Start, session.End, guardian.Name, guardian.Relationship, open.Session.Pupils, left);
                    foreach (var to in await FamilyAbsence.RecipientsAsync(db, session, ct))
                    {
                        db.OutboxMessages.Add(FamilyAbsence.Compose(options, links.BaseUrl, about, cannotCome, to, now));
                    }
                }
                await db.SaveChangesAsync(ct);
            }
            await write.CommitAsync(ct);
        }
        outbox.Wake();
        return await OpenAsync(token, ct);
    }

    /// <summary>
    /// The session as an iCalendar file for the family to add to their calendar (METHOD:PUBLISH):
    /// the event of their emailed invite (its UID and SEQUENCE, the school's zone), named as their
    /// page names it, with their page's address.
    /// </summary>
    public async Task<string> CalendarAsync(FamilyLinkOutcome.Open open, CancellationToken ct)
    {
        var s = open.Session;
        var sequence = await db.Sessions.AsNoTracking().Where(x => x.Id == open.SessionId).Select(x => x.Sequence).FirstAsync(ct);
        return Notifications.CalendarFeeds.Publish("Family calendar", null, open.Zone, [Notifications.CalendarFeeds.EventOf(open.SessionId, sequence, cancelled: false,
            s.Start, s.End, open.Zone, $"{s.School}: video call with {string.Join(" and ", s.Pupils)}{(s.OtherPupils > 0 ? " (small group)" : "")}",
            links.UrlFor(open.SessionId, open.GuardianId), clock.GetUtcNow(),
            $"With {s.Teacher}. {(s.Provider == CallProviders.Teams ? "In Microsoft Teams: your page gives the meeting's link at the start, once consent is given." : "On the school's website: join from your page.")}")]);
    }

    /// <summary>When a session's links stop opening its page.</summary>
    public static DateTimeOffset ExpiresAt(Session session) => session.End + FamilyLinks.GraceAfterEnd;
}
