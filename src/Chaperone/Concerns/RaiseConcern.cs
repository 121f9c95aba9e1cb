using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Concerns;

/// <summary>A concern as the API and the form take it (clause 12).</summary>
/// <param name="RecordingOffsetSeconds">The moment in the session's recording, in seconds from its start.</param>
/// <param name="RouteToId">Behaviour only: the senior leader to send it to, instead of the school's named one.</param>
public sealed record ConcernRequest(
    string[]? PupilIds,
    string? Kind,
    string? Summary,
    string? Detail,
    string? SessionId = null,
    string? ChildsOwnWords = null,
    int? RecordingOffsetSeconds = null,
    string? RouteToId = null);

/// <summary>The outcome of raising: the concern, field errors, or no such draft.</summary>
public abstract record RaiseOutcome
{
    /// <param name="Told">Who was alerted, in a sentence for the raiser: in particular, when nobody in the school holds the role the concern goes to.</param>
    public sealed record Raised(Concern Concern, string Told) : RaiseOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : RaiseOutcome;
    public sealed record NoSuchDraft : RaiseOutcome;
}

/// <summary>
/// Raises a concern, or saves a draft of one. The concern and its first chronology entry are
/// committed before anything else happens (the alerts cannot lose it); routing follows
/// (<see cref="ConcernRouting"/>), and the escalation worker finishes it if this instance stops first.
/// </summary>
public sealed class RaiseConcern(ChaperoneDbContext db, ConcernRouting routing, TimeProvider clock, ChaperoneMetrics metrics)
{
    public const int MaxSummary = 200;
    public const int MaxText = 8000;
    public const int MaxPupils = 30;

    /// <summary>Raises a new concern, or (with <paramref name="draftId"/>) the caller's draft completed with <paramref name="request"/>.</summary>
    public async Task<RaiseOutcome> HandleAsync(ClaimsPrincipal user, ConcernRequest request, Guid? draftId, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var (checkedRequest, errors) = await CheckAsync(user, request, ct);
        if (errors.Count > 0)
        {
            return new RaiseOutcome.Invalid(errors);
        }
        var c = checkedRequest!;
        var now = clock.GetUtcNow();
        var settings = await ConcernSettingsStore.LoadAsync(db, schoolId, ct);
        var (told, nobodyToAlert) = await WhoIsToldAsync(schoolId, c.Kind, c.RouteToId, settings, ct);
        Concern concern;
        await using (var tx = await ConcernWrites.BeginAsync(db, schoolId, ct))
        {
            if (draftId is { } id)
            {
                var draft = await db.Set<Concern>().Include(x => x.Pupils)
                    .FirstOrDefaultAsync(x => x.Id == id && x.SchoolId == schoolId && x.RaisedById == user.UserId() && x.Status == ConcernStatus.Draft, ct);
                if (draft is null)
                {
                    return new RaiseOutcome.NoSuchDraft();
                }
                concern = draft;
                // The draft's pupils become the ones chosen now: those no longer named go, new ones are added below.
                db.Set<ConcernPupil>().RemoveRange(draft.Pupils.Where(p => !c.PupilIds.Contains(p.PupilId)));
            }
            else
            {
                concern = new Concern
                {
                    SchoolId = schoolId,
                    Number = await ConcernWrites.NextNumberAsync(db, schoolId, ct),
                    RaisedById = user.UserId(),
                    RaisedByName = user.DisplayName(),
                    CreatedAt = now,
                    Summary = "",
                };
                db.Add(concern);
            }
            concern.Kind = c.Kind;
            concern.Status = ConcernStatus.Raised;
            concern.RaisedAt = now;
            concern.Summary = c.Summary;
            concern.Detail = c.Detail;
            concern.ChildsOwnWords = c.ChildsOwnWords;
            concern.SessionId = c.SessionId;
            concern.RecordingOffsetSeconds = c.RecordingOffsetSeconds;
            concern.RoutedToId = c.RouteToId;
            // With nobody in the DSL role, a safeguarding concern is escalated (to the headteacher) at once.
            concern.EscalateAt = c.Kind == ConcernKind.Safeguarding ? (nobodyToAlert ? now : now.AddMinutes(settings.AcknowledgeWithinMinutes)) : null;
            foreach (var pupil in c.PupilIds.Where(p => !concern.Pupils.Exists(x => x.PupilId == p)))
            {
                db.Add(new ConcernPupil { SchoolId = schoolId, ConcernId = concern.Id, PupilId = pupil });
            }
            await ConcernWrites.AddEntriesAsync(db, concern, now, [(ConcernEntryTypes.Raised, AuditActor.From(user),
                $"{(c.Kind == ConcernKind.Safeguarding ? "Safeguarding" : "Behaviour")} concern raised by {user.DisplayName()}.")], ct);
            AuditLog.Record(db, user, AuditActions.ConcernRaised, AuditSubjects.Concern, concern.Id,
                new { reference = concern.Reference, kind = ConcernDtos.KindName(c.Kind), pupils = c.PupilIds.Count, sessionId = c.SessionId });
            if (c.SessionId is { } sessionId)
            {
                db.Evidence.Add(ConcernEvidence(schoolId, sessionId, concern.Reference, now, await SchoolZoneAsync(schoolId, ct)));
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        metrics.ConcernRaised(ConcernDtos.KindName(concern.Kind));
        // Committed: now the alerts and emails. If this fails, the worker sends them.
        try
        {
            await routing.NotifyAsync(concern.Id, ct);
            if (concern.EscalateAt <= now)
            {
                await routing.EscalateAsync(concern.Id, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            routing.Log.LogError(e, "Concern {Concern} is saved; its alerts will be sent by the worker.", concern.Id);
        }
        return new RaiseOutcome.Raised(concern, told);
    }

    /// <summary>
    /// DESIGN: an unknown person in the call reports to the DSL. The teacher's draft (saved when they
    /// removed the person) is raised as it stands once it has waited the school's acknowledgement
    /// time (15 minutes by default) without the teacher raising it, so a teacher called away by the
    /// moment cannot leave the DSL unaware. Claimed by a conditional update inside the transaction
    /// that writes its entries, so one instance raises it, once; then routed as any other. True
    /// when this call raised it.
    /// </summary>
    public async Task<bool> RaiseUnattendedDraftAsync(Guid draftId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        Concern concern;
        await using (var tx = await ConcernWrites.BeginAsync(db, null, ct))
        {
            var draft = await db.Set<Concern>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == draftId && c.Status == ConcernStatus.Draft, ct);
            if (draft is null)
            {
                return false;
            }
            var settings = await ConcernSettingsStore.LoadAsync(db, draft.SchoolId, ct);
            if (draft.CreatedAt.AddMinutes(settings.AcknowledgeWithinMinutes) > now)
            {
                return false;
            }
            var claimed = await db.Set<Concern>().Where(c => c.Id == draftId && c.Status == ConcernStatus.Draft)
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, ConcernStatus.Raised).SetProperty(c => c.RaisedAt, now)
                    .SetProperty(c => c.EscalateAt, draft.Kind == ConcernKind.Safeguarding ? now.AddMinutes(settings.AcknowledgeWithinMinutes) : null), ct);
            if (claimed == 0)
            {
                return false;
            }
            concern = await db.Set<Concern>().FirstAsync(c => c.Id == draftId, ct);
            await ConcernWrites.AddEntriesAsync(db, concern, now, [(ConcernEntryTypes.Raised, AuditActor.System,
                $"Raised as it stood: {concern.RaisedByName} had not raised the draft within {settings.AcknowledgeWithinMinutes} minutes of saving it.")], ct);
            AuditLog.Record(db, concern.SchoolId, AuditActor.System, AuditActions.ConcernRaised, AuditSubjects.Concern, Ids.Format(concern.Id),
                new { reference = concern.Reference, kind = ConcernDtos.KindName(concern.Kind), sessionId = concern.SessionId, unattendedDraft = true });
            if (concern.SessionId is { } sessionId)
            {
                db.Evidence.Add(ConcernEvidence(concern.SchoolId, sessionId, concern.Reference, now, await SchoolZoneAsync(concern.SchoolId, ct)));
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        metrics.ConcernRaised(ConcernDtos.KindName(concern.Kind));
        await routing.NotifyAsync(concern.Id, ct);
        return true;
    }

    /// <summary>The school's zone, in which the evidence gives the time, as the rest of the session's record does.</summary>
    private async Task<NodaTime.DateTimeZone> SchoolZoneAsync(Guid schoolId, CancellationToken ct) =>
        Policy.PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstOrDefaultAsync(ct));

    /// <summary>Clause 12's evidence on the session: the reference only (as the record of intervention shows it), never the kind or content; the time in the school's zone.</summary>
    private static Compliance.EvidenceRecord ConcernEvidence(Guid schoolId, Guid sessionId, string reference, DateTimeOffset now, NodaTime.DateTimeZone zone) => new()
    {
        SchoolId = schoolId, SessionId = sessionId, Stage = ConcernEvidenceStage, RecordedAt = now,
        Items = [new Compliance.EvidenceItem
        {
            Clause = Policy.Clauses.Concerns, Rule = ConcernRaisedRule, Passed = true,
            Text = $"Concern {reference} was raised about this session at {Pages.Display.TimeAt(now, zone)} and routed at once.",
        }],
    };

    /// <summary>The evidence stage of a concern raised about a session (clause 12).</summary>
    public const string ConcernEvidenceStage = "concern";

    /// <summary>The rule of that evidence: each concern raised about a session meets its clause 12.</summary>
    public const string ConcernRaisedRule = "concern-raised";

    /// <summary>
    /// Who a concern of <paramref name="kind"/> reaches first, in a sentence for the raiser: the
    /// people <see cref="ConcernRouting.FirstAlertedAsync"/> sends it to, by name for a behaviour
    /// concern; and whether nobody holds the role it goes to. A school whose DSL has no account yet,
    /// or has left, must not leave the raiser thinking it went: they are told to go in person.
    /// </summary>
    private async Task<(string Told, bool NobodyInRole)> WhoIsToldAsync(Guid schoolId, ConcernKind kind, Guid? routedToId, ConcernSettings settings, CancellationToken ct)
    {
        var alerted = await ConcernRouting.FirstAlertedAsync(db, schoolId, kind, routedToId, ct);
        if (kind == ConcernKind.Behaviour)
        {
            return alerted.Count switch
            {
                0 => ("Nobody in the school holds the senior leader role in Chaperone, so nobody has been alerted: tell a senior leader in person.", true),
                1 => ($"The senior leader {alerted[0].Name} has been alerted.", false),
                _ => ($"The senior leaders {string.Join(", ", alerted.SkipLast(1).Select(a => a.Name))} and {alerted[^1].Name} have been alerted.", false),
            };
        }
        if (alerted.Count > 0)
        {
            return ("The DSL and deputies have been alerted.", false);
        }
        var head = settings.HeadteacherId is { } headId
            ? await db.Users.AsNoTracking().Where(u => u.Id == headId && u.SchoolId == schoolId && u.AccessEndedAt == null).Select(u => u.Name).FirstOrDefaultAsync(ct)
            : null;
        return head is not null
            ? ($"Nobody in the school holds the DSL role in Chaperone, so it went straight to the headteacher, {head}. Tell the designated safeguarding lead in person too.", true)
            : ("Nobody in the school holds the DSL role in Chaperone and no headteacher is named, so nobody has been alerted: tell the designated safeguarding lead in person now, and ask an admin to give them the DSL role.", true);
    }

    private sealed record Checked(ConcernKind Kind, List<Guid> PupilIds, Guid? SessionId, string Summary, string Detail, string? ChildsOwnWords, int? RecordingOffsetSeconds, Guid? RouteToId);

    /// <summary>Checks every field, naming each one that needs fixing; pupils, sessions and leaders of another school are refused as unknown.</summary>
    private async Task<(Checked?, Dictionary<string, string[]>)> CheckAsync(ClaimsPrincipal user, ConcernRequest r, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var errors = new Dictionary<string, string[]>();
        ConcernKind? kind = r.Kind?.Trim().ToLowerInvariant() switch
        {
            "behaviour" => ConcernKind.Behaviour,
            "safeguarding" => ConcernKind.Safeguarding,
            _ => null,
        };
        if (kind is null)
        {
            errors["kind"] = ["Choose the kind of concern: behaviour or safeguarding."];
        }
        string Text(string field, string? value, int max, bool required, string what)
        {
            var text = FreeText.IsBlank(value) ? "" : value!.Trim();
            if (required && text.Length == 0)
            {
                errors[field] = [$"Write {what}."];
            }
            else if (text.Length > max)
            {
                errors[field] = [$"Keep {what} under {max} characters."];
            }
            else if (FreeText.HasControlCharacters(text))
            {
                errors[field] = [$"{char.ToUpperInvariant(what[0])}{what[1..]} has characters that cannot be stored; retype it."];
            }
            return text;
        }
        var summary = Text("summary", r.Summary, MaxSummary, true, "a short summary");
        var detail = Text("detail", r.Detail, MaxText, true, "what happened, in detail");
        var words = Text("childsOwnWords", r.ChildsOwnWords, MaxText, false, "the child's own words");

        var pupilIds = new List<Guid>();
        if (r.PupilIds is null || r.PupilIds.Length == 0)
        {
            errors["pupilIds"] = ["Choose the pupil (or pupils) the concern is about."];
        }
        else if (r.PupilIds.Length > MaxPupils)
        {
            errors["pupilIds"] = [$"A concern names at most {MaxPupils} pupils."];
        }
        else
        {
            var parsed = r.PupilIds.Select(p => Ids.TryParse(p, out var g) ? g : (Guid?)null).ToList();
            var wanted = parsed.OfType<Guid>().Distinct().ToList();
            var known = await db.Pupils.AsNoTracking().Where(p => p.SchoolId == schoolId && wanted.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
            for (var i = 0; i < parsed.Count; i++)
            {
                if (parsed[i] is not { } g || !known.Contains(g))
                {
                    errors[$"pupilIds[{i}]"] = ["There is no pupil with this id in your school."];
                }
                else if (!pupilIds.Contains(g))
                {
                    pupilIds.Add(g);
                }
            }
        }

        Guid? sessionId = null;
        if (!string.IsNullOrWhiteSpace(r.SessionId))
        {
            if (Ids.TryParse(r.SessionId, out var s) && await ListSessions.Visible(db, user).AnyAsync(x => x.Id == s, ct))
            {
                sessionId = s;
            }
            else
            {
                errors["sessionId"] = ["There is no session with this id that you can see."];
            }
        }
        if (r.RecordingOffsetSeconds is { } offset)
        {
            if (string.IsNullOrWhiteSpace(r.SessionId))
            {
                errors["recordingOffsetSeconds"] = ["A moment in the recording needs the session it belongs to."];
            }
            else if (offset is < 0 or > 24 * 3600)
            {
                errors["recordingOffsetSeconds"] = ["Give the moment as seconds from the start of the recording (0 or more)."];
            }
        }

        Guid? routeTo = null;
        if (!string.IsNullOrWhiteSpace(r.RouteToId))
        {
            if (kind == ConcernKind.Safeguarding)
            {
                errors["routeToId"] = ["A safeguarding concern goes to the DSL and deputies; leave the senior leader empty."];
            }
            else if (Ids.TryParse(r.RouteToId, out var leader) && (await StaffWithRole.ListAsync(db, schoolId, Roles.Slt, ct)).Any(x => x.Id == leader))
            {
                routeTo = leader;
            }
            else
            {
                errors["routeToId"] = ["There is no senior leader with this id in your school."];
            }
        }
        return errors.Count > 0
            ? (null, errors)
            : (new Checked(kind!.Value, pupilIds, sessionId, summary, detail, words.Length == 0 ? null : words, r.RecordingOffsetSeconds, routeTo), errors);
    }

    /// <summary>
    /// Issue 4 and DESIGN ("an unknown person in the call ends it and reports to the DSL"): when
    /// the teacher removes an unknown person, a safeguarding draft is saved at once, with the
    /// session, the moment and a summary, for the teacher to complete and raise.
    /// </summary>
    public async Task<Concern> DraftFromCallAsync(ClaimsPrincipal teacher, Guid sessionId, string? removedName, CancellationToken ct)
    {
        var schoolId = teacher.SchoolId();
        var now = clock.GetUtcNow();
        var offset = await RecordingMoment.SecondsAsync(db, schoolId, sessionId, now, ct);
        Concern concern;
        await using (var tx = await ConcernWrites.BeginAsync(db, schoolId, ct))
        {
            var actor = AuditActor.From(teacher);
            concern = await AddUnknownPersonDraftAsync(schoolId, sessionId, actor, actor, now, offset,
                removedName is null
                    ? "I removed a device from the call because an unknown person was present."
                    : $"I removed the device of {removedName}'s link from the call because an unknown person was present.",
                "Draft saved when the teacher removed an unknown person from the call.", ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return concern;
    }

    /// <summary>
    /// DESIGN ("an unknown person in the call … reports to the DSL"), for a Teams call: Teams'
    /// attendance report, read after the call, lists someone Chaperone cannot match to the teacher
    /// or an invited parent or carer. A safeguarding draft is added for the session's teacher
    /// (to <see cref="db"/>, saved by the caller inside a transaction of <see cref="ConcernWrites.BeginAsync"/>):
    /// they know whether it was a parent who joined under another name, and say so, or raise it;
    /// left unraised, it goes to the DSL as it stands (<see cref="RaiseUnattendedDraftAsync"/>).
    /// </summary>
    public async Task<Concern> AddTeamsUnknownDraftAsync(Guid schoolId, Guid sessionId, Guid teacherId, string teacherName, IReadOnlyList<string> unknown, DateTimeOffset now, CancellationToken ct)
    {
        var people = string.Join("; ", unknown);
        return await AddUnknownPersonDraftAsync(schoolId, sessionId, new AuditActor(teacherId, teacherName), AuditActor.System, now, null,
            $"Teams' attendance report for this call lists someone who was not invited: {people}. "
            + "If this was a parent or carer who joined under another name or account, say so here and raise it; otherwise say what you saw.",
            $"Draft saved for {teacherName} when Teams' attendance report listed someone not invited to the call.", ct);
    }

    /// <summary>Adds, unsaved, a safeguarding draft about an unknown person in a session's call, raised by <paramref name="raiser"/>, with its first chronology entry and audit entry.</summary>
    private async Task<Concern> AddUnknownPersonDraftAsync(Guid schoolId, Guid sessionId, AuditActor raiser, AuditActor by, DateTimeOffset now, int? offset, string detail, string entry, CancellationToken ct)
    {
        var pupils = await db.SessionPupils.AsNoTracking().Where(p => p.SessionId == sessionId && p.SchoolId == schoolId)
            .Join(db.Pupils, sp => sp.PupilId, p => p.Id, (sp, p) => new { p.Id, p.Name }).ToListAsync(ct);
        var summary = $"Unknown person in the call with {string.Join(" and ", pupils.Select(p => p.Name))}";
        var concern = new Concern
        {
            SchoolId = schoolId,
            Number = await ConcernWrites.NextNumberAsync(db, schoolId, ct),
            Kind = ConcernKind.Safeguarding,
            Status = ConcernStatus.Draft,
            RaisedById = raiser.Id!.Value,
            RaisedByName = raiser.Name,
            CreatedAt = now,
            Summary = summary.Length <= MaxSummary ? summary : summary[..MaxSummary],
            Detail = detail.Length <= MaxText ? detail : detail[..MaxText],
            SessionId = sessionId,
            RecordingOffsetSeconds = offset,
        };
        db.Add(concern);
        foreach (var pupil in pupils)
        {
            db.Add(new ConcernPupil { SchoolId = schoolId, ConcernId = concern.Id, PupilId = pupil.Id });
        }
        await ConcernWrites.AddEntriesAsync(db, concern, now, [(ConcernEntryTypes.Drafted, by, entry)], ct);
        AuditLog.Record(db, schoolId, by, AuditActions.ConcernDrafted, AuditSubjects.Concern, Ids.Format(concern.Id), new { reference = concern.Reference, sessionId });
        return concern;
    }
}

/// <summary>Where in a session's recording "now" falls (for a concern raised during or after the call).</summary>
public static class RecordingMoment
{
    /// <summary>Seconds from the recording's start (or the session's start in the room) to <paramref name="at"/>; null before it started.</summary>
    public static async Task<int?> SecondsAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, DateTimeOffset at, CancellationToken ct)
    {
        var recording = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId)
            .OrderBy(r => r.StartedAt).Select(r => (DateTimeOffset?)r.StartedAt).FirstOrDefaultAsync(ct);
        var started = recording ?? await db.Set<CallEventRecord>().AsNoTracking()
            .Where(e => e.SessionId == sessionId && e.SchoolId == schoolId && e.Kind == RoomEvents.Started)
            .OrderBy(e => e.At).Select(e => (DateTimeOffset?)e.At).FirstOrDefaultAsync(ct);
        return started is { } s && at >= s ? (int)Math.Min((at - s).TotalSeconds, 24 * 3600) : null;
    }
}

/// <summary>The writes concerns share: one transaction per step, numbering per school, chronology entries in order.</summary>
public static class ConcernWrites
{
    /// <summary>
    /// Begins a write of concerns: on SQLite this process's write turn; on PostgreSQL, given a
    /// school, a transaction-scoped advisory lock per school, so numbers are allocated one at a time.
    /// </summary>
    public static async Task<WriteTransaction> BeginAsync(ChaperoneDbContext db, Guid? schoolId, CancellationToken ct)
    {
        var transaction = await WriteTransaction.BeginAsync(db, ct);
        try
        {
            if (schoolId is { } school)
            {
                await WriteTransaction.TakeTurnAsync(db, "concerns:" + Ids.Format(school), ct);
            }
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public static async Task<int> NextNumberAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        (await db.Set<Concern>().Where(c => c.SchoolId == schoolId).MaxAsync(c => (int?)c.Number, ct) ?? 0) + 1;

    /// <summary>
    /// Appends entries after the concern's last, in the order given; call inside a transaction of
    /// <see cref="BeginAsync"/>. On PostgreSQL a transaction-scoped advisory lock per concern makes
    /// writers of one concern's entries take turns, so no two entries get the same sequence (SQLite's write turn does the same).
    /// </summary>
    public static async Task AddEntriesAsync(ChaperoneDbContext db, Concern concern, DateTimeOffset at, IReadOnlyList<(string Type, AuditActor Actor, string Text)> entries, CancellationToken ct)
    {
        await WriteTransaction.TakeTurnAsync(db, "concern-entries:" + Ids.Format(concern.Id), ct);
        var last = await db.Set<ConcernEntry>().Where(e => e.ConcernId == concern.Id).MaxAsync(e => (long?)e.Sequence, ct) ?? 0;
        foreach (var (type, actor, text) in entries)
        {
            db.Add(new ConcernEntry
            {
                SchoolId = concern.SchoolId,
                ConcernId = concern.Id,
                At = at,
                Sequence = ++last,
                Type = type,
                ActorId = actor.Id,
                ActorName = actor.Name.Length <= 200 ? actor.Name : actor.Name[..200],
                Text = text.Length <= RaiseConcern.MaxText ? text : text[..RaiseConcern.MaxText],
            });
        }
    }
}
