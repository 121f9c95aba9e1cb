using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Concerns;

/// <summary>The outcome of an action on a concern.</summary>
public abstract record ConcernOutcome
{
    public sealed record Done(Concern Concern) : ConcernOutcome;
    /// <summary>No such concern that the caller may read (answered as not found, whether or not it exists).</summary>
    public sealed record NotFound : ConcernOutcome;
    /// <summary>The caller reads it but their role does not allow this action.</summary>
    public sealed record Forbidden(string Message) : ConcernOutcome;
    public sealed record Conflict(string Message) : ConcernOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : ConcernOutcome;
}

/// <summary>
/// Reading a concern and writing to its chronology, by role (<see cref="ConcernAccess"/>). Every
/// reading is in the audit trail; so is every refused attempt (to read or to act).
/// </summary>
public sealed class HandleConcern(ChaperoneDbContext db, TimeProvider clock)
{
    /// <summary>The concern if the caller may read it (the reading is audited); otherwise null, and the refusal is audited.</summary>
    public async Task<Concern?> ReadAsync(ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        if (await FindAsync(user, id, "read", ct) is not { } concern)
        {
            return null;
        }
        AuditLog.Record(db, user, AuditActions.ConcernViewed, AuditSubjects.Concern, concern.Id, new { reference = concern.Reference });
        await db.SaveChangesAsync(ct);
        return concern;
    }

    /// <summary>
    /// A page of the concerns the caller may read, unacknowledged first, and how many they may read
    /// in all; a page that shows any is a reading, audited with their references.
    /// </summary>
    public async Task<(List<ConcernSummaryDto> Items, int Total)> ListAsync(ClaimsPrincipal user, ConcernPage page, CancellationToken ct)
    {
        var visible = ConcernAccess.Visible(db, user);
        var list = await ConcernDtos.ListAsync(db, visible, page, ct);
        var total = page.Number == 1 && list.Count < page.Size ? list.Count : await visible.CountAsync(ct);
        if (list.Count > 0)
        {
            AuditLog.Record(db, user, AuditActions.ConcernsListed, AuditSubjects.School, user.SchoolId(), new { references = list.Select(c => c.Reference).ToList() });
            await db.SaveChangesAsync(ct);
        }
        return (list, total);
    }

    /// <summary>An attempt on a concern that exists (in any school) but that the caller may not read goes in the caller's school's audit trail.</summary>
    private async Task RefusedAsync(ClaimsPrincipal user, Guid concernId, string what, CancellationToken ct)
    {
        if (await db.Set<Concern>().AnyAsync(c => c.Id == concernId, ct))
        {
            db.ChangeTracker.Clear();
            AuditLog.Record(db, user, AuditActions.ConcernAccessRefused, AuditSubjects.Concern, concernId, new { attempted = what });
            await db.SaveChangesAsync(ct);
        }
    }

    public async Task<ConcernOutcome> AcknowledgeAsync(ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        if (await FindAsync(user, id, "acknowledge", ct) is not { } concern)
        {
            return new ConcernOutcome.NotFound();
        }
        if (!ConcernAccess.Handles(user, concern))
        {
            return await ForbiddenAsync(user, concern, "acknowledge", ct);
        }
        var now = clock.GetUtcNow();
        await using (var tx = await ConcernWrites.BeginAsync(db, null, ct))
        {
            // One acknowledgement wins; an escalation that commits first has already happened and stays in the record.
            var claimed = await db.Set<Concern>().Where(c => c.Id == concern.Id && c.AcknowledgedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.AcknowledgedAt, now).SetProperty(c => c.AcknowledgedById, user.UserId())
                    .SetProperty(c => c.AcknowledgedByName, user.DisplayName()), ct);
            if (claimed == 0)
            {
                var by = await db.Set<Concern>().AsNoTracking().Where(c => c.Id == concern.Id).Select(c => c.AcknowledgedByName).FirstAsync(ct);
                return new ConcernOutcome.Conflict($"{concern.Reference} was already acknowledged by {by}.");
            }
            await ConcernWrites.AddEntriesAsync(db, concern, now, [(ConcernEntryTypes.Acknowledged, AuditActor.From(user), $"Acknowledged by {user.DisplayName()}.")], ct);
            AuditLog.Record(db, user, AuditActions.ConcernAcknowledged, AuditSubjects.Concern, concern.Id, new { reference = concern.Reference });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new ConcernOutcome.Done(await db.Set<Concern>().AsNoTracking().Include(c => c.Pupils).FirstAsync(c => c.Id == concern.Id, ct));
    }

    /// <summary>Appends an action, an outcome or an amendment to the chronology (nothing already written changes).</summary>
    public async Task<ConcernOutcome> AddEntryAsync(ClaimsPrincipal user, string? id, string? type, string? text, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = string.IsNullOrWhiteSpace(type) ? ConcernEntryTypes.Action : type.Trim().ToLowerInvariant();
        if (!ConcernEntryTypes.Written.Contains(kind))
        {
            errors["type"] = ["Choose action, outcome or amendment."];
        }
        var body = CheckText(text, "Write what was done, decided or corrected.", errors);
        if (await FindAsync(user, id, "write", ct) is not { } concern)
        {
            return new ConcernOutcome.NotFound();
        }
        if (errors.Count > 0)
        {
            return new ConcernOutcome.Invalid(errors);
        }
        if (!ConcernAccess.MayWrite(user, concern, kind))
        {
            return await ForbiddenAsync(user, concern, kind, ct);
        }
        var now = clock.GetUtcNow();
        await using (var tx = await ConcernWrites.BeginAsync(db, null, ct))
        {
            await ConcernWrites.AddEntriesAsync(db, concern, now, [(kind, AuditActor.From(user), body)], ct);
            AuditLog.Record(db, user, AuditActions.ConcernEntryAdded, AuditSubjects.Concern, concern.Id, new { reference = concern.Reference, type = kind });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new ConcernOutcome.Done(concern);
    }

    /// <summary>
    /// Closes a concern its handler has acknowledged: <paramref name="text"/>, the outcome that
    /// closes it, is an outcome entry (kept from the raiser, as every handler's entry is), followed
    /// by an entry saying who closed it. Once closed, it is listed after the open ones; entries may
    /// still be added, and a handler may reopen it.
    /// </summary>
    public Task<ConcernOutcome> CloseAsync(ClaimsPrincipal user, string? id, string? text, CancellationToken ct) =>
        CloseOrReopenAsync(user, id, text, close: true, ct);

    /// <summary>Reopens a closed concern (new information, say): <paramref name="text"/>, why, is an action entry, followed by an entry saying who reopened it.</summary>
    public Task<ConcernOutcome> ReopenAsync(ClaimsPrincipal user, string? id, string? text, CancellationToken ct) =>
        CloseOrReopenAsync(user, id, text, close: false, ct);

    private async Task<ConcernOutcome> CloseOrReopenAsync(ClaimsPrincipal user, string? id, string? text, bool close, CancellationToken ct)
    {
        var what = close ? "close" : "reopen";
        var errors = new Dictionary<string, string[]>();
        var body = CheckText(text, close ? "Write the outcome that closes it: what was decided, and why nothing more is to be done." : "Write why it is reopened.", errors);
        if (await FindAsync(user, id, what, ct) is not { } concern)
        {
            return new ConcernOutcome.NotFound();
        }
        if (errors.Count > 0)
        {
            return new ConcernOutcome.Invalid(errors);
        }
        if (!ConcernAccess.Handles(user, concern))
        {
            return await ForbiddenAsync(user, concern, what, ct);
        }
        if (close && concern.AcknowledgedAt is null)
        {
            return new ConcernOutcome.Conflict($"Acknowledge {concern.Reference} before closing it.");
        }
        var now = clock.GetUtcNow();
        await using (var tx = await ConcernWrites.BeginAsync(db, null, ct))
        {
            // One close (or reopening) wins, as one acknowledgement does.
            var claimed = close
                ? await db.Set<Concern>().Where(c => c.Id == concern.Id && c.ClosedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.ClosedAt, now).SetProperty(c => c.ClosedById, user.UserId())
                        .SetProperty(c => c.ClosedByName, user.DisplayName()), ct)
                : await db.Set<Concern>().Where(c => c.Id == concern.Id && c.ClosedAt != null)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.ClosedAt, (DateTimeOffset?)null).SetProperty(c => c.ClosedById, (Guid?)null)
                        .SetProperty(c => c.ClosedByName, (string?)null), ct);
            if (claimed == 0)
            {
                var by = await db.Set<Concern>().AsNoTracking().Where(c => c.Id == concern.Id).Select(c => c.ClosedByName).FirstAsync(ct);
                return new ConcernOutcome.Conflict(by is null ? $"{concern.Reference} is open." : $"{concern.Reference} was already closed by {by}.");
            }
            var actor = AuditActor.From(user);
            await ConcernWrites.AddEntriesAsync(db, concern, now, close
                ? [(ConcernEntryTypes.Outcome, actor, body), (ConcernEntryTypes.Closed, actor, $"Closed by {user.DisplayName()}.")]
                : [(ConcernEntryTypes.Action, actor, body), (ConcernEntryTypes.Reopened, actor, $"Reopened by {user.DisplayName()}.")], ct);
            AuditLog.Record(db, user, close ? AuditActions.ConcernClosed : AuditActions.ConcernReopened, AuditSubjects.Concern, concern.Id, new { reference = concern.Reference });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new ConcernOutcome.Done(await db.Set<Concern>().AsNoTracking().Include(c => c.Pupils).FirstAsync(c => c.Id == concern.Id, ct));
    }

    /// <summary>A handwritten entry's text, trimmed; what is wrong with it goes in <paramref name="errors"/> under <c>text</c>.</summary>
    private static string CheckText(string? text, string whenEmpty, Dictionary<string, string[]> errors)
    {
        var body = text?.Trim() ?? "";
        if (FreeText.IsBlank(body))
        {
            errors["text"] = [whenEmpty];
        }
        else if (body.Length > RaiseConcern.MaxText)
        {
            errors["text"] = [$"Keep it under {RaiseConcern.MaxText} characters."];
        }
        else if (FreeText.HasControlCharacters(body))
        {
            errors["text"] = ["The text has characters that cannot be stored; retype it."];
        }
        return body;
    }

    /// <summary>The concern with its pupils if the caller may read it; otherwise null, and an attempt on one that exists is audited.</summary>
    private async Task<Concern?> FindAsync(ClaimsPrincipal user, string? id, string what, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var concernId))
        {
            return null;
        }
        var concern = await ConcernAccess.Visible(db, user).AsNoTracking().Include(c => c.Pupils).FirstOrDefaultAsync(c => c.Id == concernId, ct);
        if (concern is null)
        {
            await RefusedAsync(user, concernId, what, ct);
        }
        return concern;
    }

    private async Task<ConcernOutcome> ForbiddenAsync(ClaimsPrincipal user, Concern concern, string what, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        AuditLog.Record(db, user, AuditActions.ConcernAccessRefused, AuditSubjects.Concern, concern.Id, new { attempted = what });
        await db.SaveChangesAsync(ct);
        return new ConcernOutcome.Forbidden(concern.Kind == ConcernKind.Safeguarding
            ? "Only the DSL and deputies, signed in with two factors, can do this to a safeguarding concern."
            : "Only senior leaders and the DSL, signed in with two factors, can do this to a behaviour concern.");
    }

    /// <summary>The chronology of a pupil of the caller's school: the entries of the concerns about them that the caller may read. Null: no such pupil.</summary>
    public async Task<List<ChronologyEntryDto>?> PupilChronologyAsync(ClaimsPrincipal user, string? pupilId, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(pupilId, out var id) || !await db.Pupils.AnyAsync(p => p.Id == id && p.SchoolId == schoolId, ct))
        {
            return null;
        }
        var visible = ConcernAccess.Visible(db, user).Where(c => c.Pupils.Any(p => p.PupilId == id));
        var rows = await (from e in db.Set<ConcernEntry>().AsNoTracking()
                          join c in visible on e.ConcernId equals c.Id
                          where e.SchoolId == schoolId
                          select new { e.At, e.Sequence, e.Type, e.ActorId, e.ActorName, e.Text, c.Id, c.Number, c.Kind, c.RaisedById }).ToListAsync(ct);
        // Concerns read only as their raiser show what happened to them, not their handlers' entries.
        rows = rows.Where(r => ConcernAccess.ShowsEntry(user, r.Kind, r.RaisedById, r.Type, r.ActorId)).ToList();
        AuditLog.Record(db, user, AuditActions.PupilChronologyViewed, AuditSubjects.Pupil, id, new { entries = rows.Count });
        await db.SaveChangesAsync(ct);
        return rows.OrderBy(r => r.At).ThenBy(r => r.Sequence)
            .Select(r => new ChronologyEntryDto(r.At, r.Type, r.ActorName, r.Text, Ids.Format(r.Id), Concern.ReferenceOf(r.Number), ConcernDtos.KindName(r.Kind)))
            .ToList();
    }
}
