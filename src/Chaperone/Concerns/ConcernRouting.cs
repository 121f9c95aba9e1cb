using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Concerns;

/// <summary>
/// Clause 12's routing: a safeguarding concern goes at once to every member of staff with the
/// Dsl role (the DSL and deputies); a behaviour concern to the senior leader the raiser picked,
/// else the one the school names, else every senior leader. Each gets an in-app alert on any open
/// staff page and a content-free email through the outbox. A safeguarding concern nobody has
/// acknowledged in time (the school's setting, 15 minutes by default) is escalated once to the
/// headteacher and the deputies again. Every step is a chronology entry and an audit entry.
/// </summary>
/// <remarks>
/// Each step first claims the concern with a conditional update (notified, escalated or
/// acknowledged still unset), in the same transaction as its emails and entries: with several
/// instances on one database exactly one wins, so nobody is notified or escalated twice, and an
/// acknowledgement that commits first stops the escalation. The alert is pushed after the commit.
/// Email is only queued here: if the mail server is down the alert still goes and escalation still runs.
/// </remarks>
public sealed class ConcernRouting(ChaperoneDbContext db, ConcernMail mail, ConcernAlerts alerts, OutboxSignal outbox, TimeProvider clock, ChaperoneMetrics metrics, ILogger<ConcernRouting> log)
{
    public ILogger Log => log;

    /// <summary>Sends a raised concern's alerts and emails, unless they were already sent; true when this call sent them.</summary>
    public async Task<bool> NotifyAsync(Guid concernId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Concern concern;
        List<(Guid Id, string Name, string? Email)> recipients;
        db.ChangeTracker.Clear();
        await using (var tx = await BeginAsync(ct))
        {
            var claimed = await db.Set<Concern>()
                .Where(c => c.Id == concernId && c.Status == ConcernStatus.Raised && c.NotifiedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.NotifiedAt, now), ct);
            if (claimed == 0)
            {
                return false;
            }
            concern = await db.Set<Concern>().AsNoTracking().FirstAsync(c => c.Id == concernId, ct);
            recipients = await RecipientsAsync(concern, ct);
            var role = concern.Kind == ConcernKind.Safeguarding ? "dsl" : "slt";
            await QueueAsync(concern, recipients.Select(r => (r, role)).ToList(), escalated: false, now, ct);
            AuditLog.Record(db, concern.SchoolId, AuditActor.System, AuditActions.ConcernNotified, AuditSubjects.Concern, Ids.Format(concern.Id),
                new { reference = concern.Reference, recipients = recipients.Select(r => r.Name).ToList() });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        outbox.Wake();
        await PushAsync(concern, recipients.Select(r => r.Id), escalated: false);
        return true;
    }

    /// <summary>Escalates a safeguarding concern still unacknowledged after its time; true when this call escalated it.</summary>
    public async Task<bool> EscalateAsync(Guid concernId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Concern concern;
        List<(Guid Id, string Name, string? Email)> recipients;
        db.ChangeTracker.Clear();
        await using (var tx = await BeginAsync(ct))
        {
            var claimed = await Due(db.Set<Concern>(), now).Where(c => c.Id == concernId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.EscalatedAt, now), ct);
            if (claimed == 0)
            {
                return false;
            }
            concern = await db.Set<Concern>().AsNoTracking().FirstAsync(c => c.Id == concernId, ct);
            var settings = await ConcernSettingsStore.LoadAsync(db, concern.SchoolId, ct);
            var deputies = await StaffWithRole.ListAsync(db, concern.SchoolId, Roles.Dsl, ct);
            var list = new List<((Guid Id, string Name, string? Email) Person, string Role)>();
            string headText;
            if (settings.HeadteacherId is { } headId && await db.Users.AsNoTracking().Where(u => u.Id == headId && u.SchoolId == concern.SchoolId && u.AccessEndedAt == null)
                    .Select(u => new { u.Id, u.Name, u.Email }).FirstOrDefaultAsync(ct) is { } head)
            {
                list.Add(((head.Id, head.Name, head.Email), "head"));
                headText = $"the headteacher, {head.Name}";
            }
            else
            {
                headText = settings.HeadteacherId is null
                    ? "no headteacher (none is named in the school's concern settings)"
                    : "no headteacher (the one named in the school's concern settings no longer has access)";
            }
            list.AddRange(deputies.Where(d => list.TrueForAll(l => l.Person.Id != d.Id)).Select(d => (d, "dsl")));
            recipients = list.Select(l => l.Person).ToList();
            var waited = (int)Math.Round((now - (concern.RaisedAt ?? now)).TotalMinutes);
            await ConcernWrites.AddEntriesAsync(db, concern, now, [(ConcernEntryTypes.Escalated, AuditActor.System, deputies.Count == 0
                ? $"Nobody in the school holds the DSL role: escalated at once to {headText}."
                : $"Nobody acknowledged it within {waited} minutes: escalated to {headText} and the DSL and deputies again ({string.Join(", ", deputies.Select(d => d.Name))}).")], ct);
            await QueueAsync(concern, list, escalated: true, now, ct);
            AuditLog.Record(db, concern.SchoolId, AuditActor.System, AuditActions.ConcernEscalated, AuditSubjects.Concern, Ids.Format(concern.Id),
                new { reference = concern.Reference, recipients = recipients.Select(r => r.Name).ToList() });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        metrics.ConcernEscalated();
        outbox.Wake();
        await PushAsync(concern, recipients.Select(r => r.Id), escalated: true);
        return true;
    }

    /// <summary>Raised safeguarding concerns past their time, not acknowledged and not yet escalated.</summary>
    public static IQueryable<Concern> Due(IQueryable<Concern> concerns, DateTimeOffset now) =>
        concerns.Where(c => c.Kind == ConcernKind.Safeguarding && c.Status == ConcernStatus.Raised
                            && c.AcknowledgedAt == null && c.EscalatedAt == null && c.EscalateAt != null && c.EscalateAt <= now);

    private Task<WriteTransaction> BeginAsync(CancellationToken ct) => ConcernWrites.BeginAsync(db, null, ct);

    private Task<List<(Guid Id, string Name, string? Email)>> RecipientsAsync(Concern concern, CancellationToken ct) =>
        FirstAlertedAsync(db, concern.SchoolId, concern.Kind, concern.RoutedToId, ct);

    /// <summary>
    /// Who a concern's first alert goes to (clause 12): for safeguarding, everyone in the DSL role;
    /// for behaviour, the senior leader it was routed to, else the school's behaviour lead, else
    /// (neither still a senior leader) every senior leader. Nobody who has left. Empty when nobody
    /// holds the role (a safeguarding concern then goes to the headteacher at once, by escalation).
    /// </summary>
    public static async Task<List<(Guid Id, string Name, string? Email)>> FirstAlertedAsync(
        ChaperoneDbContext db, Guid schoolId, ConcernKind kind, Guid? routedToId, CancellationToken ct)
    {
        if (kind == ConcernKind.Safeguarding)
        {
            return await StaffWithRole.ListAsync(db, schoolId, Roles.Dsl, ct);
        }
        var leaders = await StaffWithRole.ListAsync(db, schoolId, Roles.Slt, ct);
        var chosen = routedToId ?? (await ConcernSettingsStore.LoadAsync(db, schoolId, ct)).BehaviourLeadId;
        return leaders.Where(l => chosen is null || l.Id == chosen).ToList() is { Count: > 0 } named ? named : leaders;
    }

    private async Task QueueAsync(Concern concern, List<((Guid Id, string Name, string? Email) Person, string Role)> recipients, bool escalated, DateTimeOffset now, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == concern.SchoolId).Select(s => new { s.Name, s.TimeZoneId }).FirstAsync(ct);
        var zone = PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var mailed = new List<string>();
        var unmailed = new List<string>();
        foreach (var (person, role) in recipients)
        {
            if (person.Email is { } email && ManagePeople.IsEmail(email))
            {
                db.OutboxMessages.Add(mail.Compose(concern, school.Name, zone, (person.Id, person.Name, email), role, escalated));
                mailed.Add(person.Name);
            }
            else
            {
                unmailed.Add(person.Name);
            }
        }
        var names = recipients.Count == 0 ? "nobody (the school has nobody in that role)" : string.Join(", ", recipients.Select(r => r.Person.Name));
        var entries = new List<(string, AuditActor, string)>
        {
            (ConcernEntryTypes.AlertSent, AuditActor.System, $"{(escalated ? "Escalation alert" : "In-app alert")} sent to {names}."),
        };
        if (mailed.Count > 0)
        {
            entries.Add((ConcernEntryTypes.EmailQueued, AuditActor.System, $"Email (without the concern's content) queued to {string.Join(", ", mailed)}."));
        }
        if (unmailed.Count > 0)
        {
            entries.Add((ConcernEntryTypes.EmailQueued, AuditActor.System, $"No email address for {string.Join(", ", unmailed)}."));
        }
        await ConcernWrites.AddEntriesAsync(db, concern, now, entries, ct);
    }

    private async Task PushAsync(Concern concern, IEnumerable<Guid> staff, bool escalated)
    {
        var what = concern.Kind == ConcernKind.Safeguarding ? "safeguarding" : "behaviour";
        var message = escalated
            ? $"Escalated: a {what} concern ({concern.Reference}) raised by {concern.RaisedByName} has not been acknowledged."
            : $"A {what} concern ({concern.Reference}) was raised by {concern.RaisedByName}.";
        try
        {
            var at = concern.RaisedAt ?? clock.GetUtcNow();
            // The page shows the time as the inbox does, in the school's zone (not the browser's).
            var zone = PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == concern.SchoolId).Select(s => s.TimeZoneId).FirstAsync());
            await alerts.SendAsync(staff, new ConcernAlert(Ids.Format(concern.Id), concern.Reference, ConcernDtos.KindName(concern.Kind), concern.RaisedByName,
                at, Pages.Display.At(at, zone), escalated, $"/concerns/{Ids.Format(concern.Id)}", message), CancellationToken.None);
        }
        catch (Exception e)
        {
            // The concern, its entries and its emails are committed; the inbox shows it on the next load.
            log.LogError(e, "Could not push the alert of concern {Concern}.", concern.Id);
        }
    }
}

/// <summary>
/// Sends the alerts of raised concerns not yet notified (their instance stopped after saving them)
/// and escalates unacknowledged safeguarding concerns, on the injected clock; safe on several instances.
/// </summary>
public sealed class ConcernWorker(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration, ILogger<ConcernWorker> log) : PeriodicWorker(clock, log)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue<int?>("Concerns:WorkerIntervalSeconds") ?? 30));

    /// <summary>One pass: unsent alerts first, then escalations due, then drafts left unraised too long (<see cref="RaiseConcern.RaiseUnattendedDraftAsync"/>).</summary>
    public override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var routing = scope.ServiceProvider.GetRequiredService<ConcernRouting>();
        var now = Clock.GetUtcNow();
        var unsent = await db.Set<Concern>().AsNoTracking().Where(c => c.Status == ConcernStatus.Raised && c.NotifiedAt == null)
            .OrderBy(c => c.RaisedAt).Select(c => c.Id).Take(100).ToListAsync(ct);
        foreach (var id in unsent)
        {
            await routing.NotifyAsync(id, ct);
        }
        var due = await ConcernRouting.Due(db.Set<Concern>().AsNoTracking(), now).OrderBy(c => c.EscalateAt).Select(c => c.Id).Take(100).ToListAsync(ct);
        foreach (var id in due)
        {
            await routing.EscalateAsync(id, ct);
        }
        // Drafts left unraised (each school's own wait is checked when one is claimed).
        var waited = now.AddMinutes(-1);
        var drafts = await db.Set<Concern>().AsNoTracking().Where(c => c.Status == ConcernStatus.Draft && c.CreatedAt <= waited)
            .OrderBy(c => c.CreatedAt).Select(c => c.Id).Take(100).ToListAsync(ct);
        var raise = scope.ServiceProvider.GetRequiredService<RaiseConcern>();
        foreach (var id in drafts)
        {
            await raise.RaiseUnattendedDraftAsync(id, ct);
        }
    }
}
