using System.Text.Json;
using Azure.Identity;
using Chaperone.Compliance;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using NodaTime;
using Polly.Timeout;

namespace Chaperone.Teams;

/// <summary>What a Teams operation came to.</summary>
public abstract record TeamsOutcome
{
    /// <summary>Done; <paramref name="Meeting"/> is the meeting's row as it now stands.</summary>
    public sealed record Done(TeamsMeeting Meeting) : TeamsOutcome;
    /// <summary>Not done yet, and tried again later: Graph failed, or (attendance) the reports are not in.</summary>
    public sealed record Pending(string Reason) : TeamsOutcome;
    /// <summary>The session is not a Teams session of this school, or has no meeting yet.</summary>
    public sealed record NotFound : TeamsOutcome;
}

/// <summary>
/// A session's Teams meeting, through Microsoft Graph: a calendar-backed meeting in the teacher's
/// calendar (recordings can only be read for those), its safeguarding options set, read back and
/// put right, moved, cancelled and locked with the session; afterwards its attendance (clauses 4
/// and 6) and recordings (clause 2). Each operation returns an outcome; a failure is recorded on
/// the meeting's row (shown to the teacher) and retried by <see cref="TeamsWorker"/>.
/// </summary>
public sealed class TeamsMeetings(
    ChaperoneDbContext db, TeamsConnections connections, TeamsRecordingFeed feed, Concerns.RaiseConcern concerns, Concerns.ConcernMail concernMail,
    Notifications.OutboxSignal outbox, TimeProvider clock, ILogger<TeamsMeetings> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Creates the meeting if it is not there yet (idempotent: the event carries the session id as its transaction id), then makes sure of its options.</summary>
    public async Task<TeamsOutcome> CreateAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (session, meeting) = await LoadAsync(schoolId, sessionId, create: true, ct);
        if (session is null || meeting is null)
        {
            return new TeamsOutcome.NotFound();
        }
        if (meeting.State is TeamsMeetingState.Cancelled or TeamsMeetingState.Locked)
        {
            return new TeamsOutcome.Done(meeting);
        }
        return await AttemptAsync(meeting, async (graph, organizer) =>
        {
            if (meeting.EventId is null)
            {
                var created = await graph.Users[organizer].Events.PostAsync(await EventFor(session, withDetails: true), cancellationToken: ct);
                meeting.OrganizerUserId = organizer;
                meeting.EventId = created?.Id;
                meeting.JoinUrl = created?.OnlineMeeting?.JoinUrl;
                await db.SaveChangesAsync(ct); // kept at once: a later failure must not create a second event
            }
            if (meeting.JoinUrl is null)
            {
                var read = await graph.Users[organizer].Events[meeting.EventId].GetAsync(r => r.QueryParameters.Select = ["id", "onlineMeeting"], ct);
                meeting.JoinUrl = read?.OnlineMeeting?.JoinUrl ?? throw new TeamsProblem("Teams created the event without an online meeting: check that the teacher's mailbox allows Teams meetings.");
            }
            if (meeting.OnlineMeetingId is null)
            {
                var found = await graph.Users[organizer].OnlineMeetings.GetAsync(r => r.QueryParameters.Filter = $"JoinWebUrl eq '{meeting.JoinUrl.Replace("'", "''", StringComparison.Ordinal)}'", ct);
                meeting.OnlineMeetingId = (found?.Value is { Count: > 0 } list ? list[0].Id : null) ?? throw new TeamsProblem("The event's online meeting could not be found yet.");
            }
            await EnsureOptionsCoreAsync(graph, meeting, ct);
            meeting.State = TeamsMeetingState.Created;
        }, ct);
    }

    /// <summary>Reads the meeting's options back from Teams and puts right any that drifted from <see cref="MeetingOptions.Safeguarding"/>.</summary>
    public async Task<TeamsOutcome> EnsureOptionsAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (_, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (meeting?.OnlineMeetingId is null || meeting.State != TeamsMeetingState.Created)
        {
            return meeting is null ? new TeamsOutcome.NotFound() : new TeamsOutcome.Done(meeting);
        }
        return await AttemptAsync(meeting, (graph, _) => EnsureOptionsCoreAsync(graph, meeting, ct), ct);
    }

    /// <summary>Moves the event to the session's (new) time; a meeting not yet created is created.</summary>
    public async Task<TeamsOutcome> UpdateAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (session, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (session is null || meeting is null)
        {
            return new TeamsOutcome.NotFound();
        }
        if (meeting.EventId is null)
        {
            return await CreateAsync(schoolId, sessionId, ct);
        }
        return await AttemptAsync(meeting, async (graph, organizer) =>
        {
            var moved = await EventFor(session, withDetails: false);
            await graph.Users[meeting.OrganizerUserId ?? organizer].Events[meeting.EventId].PatchAsync(new Event { Start = moved.Start, End = moved.End }, cancellationToken: ct);
        }, ct);
    }

    /// <summary>Cancels the event with the reason as its comment (the families hear of it in Chaperone's own email).</summary>
    public async Task<TeamsOutcome> CancelAsync(Guid schoolId, Guid sessionId, string reason, CancellationToken ct)
    {
        var (_, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (meeting is null)
        {
            return new TeamsOutcome.NotFound();
        }
        if (meeting.EventId is null)
        {
            meeting.State = TeamsMeetingState.Cancelled;
            meeting.NextAttemptAt = null;
            await db.SaveChangesAsync(ct);
            return new TeamsOutcome.Done(meeting);
        }
        return await AttemptAsync(meeting, async (graph, organizer) =>
        {
            // The SDK's typed Comment goes out as "Comment"; Graph documents "comment".
            await graph.Users[meeting.OrganizerUserId ?? organizer].Events[meeting.EventId].Cancel.PostAsync(new CancelPostRequestBody { AdditionalData = new Dictionary<string, object> { ["comment"] = reason } }, cancellationToken: ct);
            meeting.State = TeamsMeetingState.Cancelled;
        }, ct);
    }

    /// <summary>
    /// After the session, closes the meeting to reuse. Graph has no "lock" on an online meeting,
    /// so the options are tightened instead: nobody but the organizer bypasses the lobby (already
    /// so) and anyone admitted has neither camera nor microphone nor chat. The event is not
    /// deleted: its meeting's attendance and recordings are still to be read (and an event made
    /// with attendees would email them a cancellation).
    /// </summary>
    public async Task<TeamsOutcome> LockAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (_, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (meeting?.OnlineMeetingId is null || meeting.State != TeamsMeetingState.Created)
        {
            return meeting is null ? new TeamsOutcome.NotFound() : new TeamsOutcome.Done(meeting);
        }
        return await AttemptAsync(meeting, async (graph, _) =>
        {
            var locked = MeetingOptions.Safeguarding.ToGraph();
            locked.AllowAttendeeToEnableCamera = false;
            locked.AllowAttendeeToEnableMic = false;
            locked.RecordAutomatically = null;
            var read = await graph.Users[meeting.OrganizerUserId].OnlineMeetings[meeting.OnlineMeetingId].PatchAsync(locked, cancellationToken: ct);
            if (read is not null)
            {
                meeting.OptionsJson = JsonSerializer.Serialize(MeetingOptions.FromGraph(read), Json);
                meeting.OptionsReadAt = clock.GetUtcNow();
            }
            meeting.State = TeamsMeetingState.Locked;
            meeting.LockedAt = clock.GetUtcNow();
        }, ct);
    }

    /// <summary>
    /// Reads every attendance report of the meeting and, once there is something to judge, records
    /// the verdicts on clauses 3, 4 and 6 as the session's evidence, once. With no report yet (or only empty
    /// ones, within <see cref="AttendanceReadiness.Patience"/>) the outcome is pending.
    /// </summary>
    public async Task<TeamsOutcome> ReadAttendanceAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (session, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (session is null || meeting?.OnlineMeetingId is null)
        {
            return new TeamsOutcome.NotFound();
        }
        if (meeting.AttendanceReadAt is not null)
        {
            return new TeamsOutcome.Done(meeting);
        }
        IReadOnlyList<AttendanceVerdict> verdicts = [];
        var outcome = await AttemptAsync(meeting, async (graph, _) =>
        {
            var attendance = await ReadAttendanceCoreAsync(graph, meeting, session, ct);
            verdicts = AttendanceReadiness.Judge(attendance, session.End, clock.GetUtcNow(), await Scheduling.BookingFacts.LoadSettingsAsync(db, schoolId, ct));
            if (verdicts.Any(v => v.Status == VerdictStatus.Pending))
            {
                return;
            }
            await RecordAttendanceAsync(schoolId, session, meeting, attendance, verdicts, ct);
        }, ct, attendance: true);
        if (outcome is TeamsOutcome.Done && meeting.AttendanceReadAt is null)
        {
            return new TeamsOutcome.Pending((verdicts.Count > 0 ? verdicts[0].Evidence : null) ?? "Attendance is not in yet.");
        }
        return outcome;
    }

    /// <summary>
    /// Polls the recordings delta of the session's organizer (<see cref="TeamsRecordingFeed"/>),
    /// which copies every new recording of the school's meetings into the encrypted store, then
    /// stops waiting for recordings of that organizer's meetings that have one, or whose
    /// <see cref="AttendanceReadiness.Patience"/> ran out (Teams publishes recordings some time after the call).
    /// </summary>
    public async Task<TeamsOutcome> ReadRecordingsAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (session, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (session is null || meeting?.OnlineMeetingId is null)
        {
            return new TeamsOutcome.NotFound();
        }
        return await AttemptAsync(meeting, async (graph, organizer) =>
        {
            await feed.PollAsync(graph, schoolId, organizer, ct);
            var now = clock.GetUtcNow();
            var waiting = await db.Set<TeamsMeeting>()
                .Where(m => m.SchoolId == schoolId && m.OrganizerUserId == organizer && m.RecordingsReadAt == null && m.OnlineMeetingId != null)
                .Join(db.Sessions, m => m.SessionId, s => s.Id, (m, s) => new { Meeting = m, s.End })
                .ToListAsync(ct);
            foreach (var w in waiting.Where(w => now > w.End + AttendanceReadiness.Patience))
            {
                w.Meeting.RecordingsReadAt = now;
            }
        }, ct, attendance: true);
    }

    /// <summary>
    /// At retention, deletes Teams' own copies of the session's recordings: the files Teams saved
    /// in the organizer's OneDrive "Recordings" folder, named after the event's subject (which
    /// carries the session's reference). The recordings' rows and the deletion register are
    /// kept by the retention job (<see cref="Retention.RecordingDeletion"/>).
    /// </summary>
    public async Task<TeamsOutcome> DeleteTeamsCopiesAsync(Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var (_, meeting) = await LoadAsync(schoolId, sessionId, create: false, ct);
        if (meeting?.OrganizerUserId is null)
        {
            return new TeamsOutcome.NotFound();
        }
        return await AttemptAsync(meeting, async (graph, _) =>
        {
            var drive = await graph.Users[meeting.OrganizerUserId].Drive.GetAsync(cancellationToken: ct) ?? throw new TeamsProblem("The organizer has no OneDrive.");
            var files = await graph.Drives[drive.Id].Items["root"].ItemWithPath("Recordings").Children.GetAsync(cancellationToken: ct);
            var reference = Reference(sessionId);
            foreach (var file in (files?.Value ?? []).Where(f => f.Name?.Contains(reference, StringComparison.OrdinalIgnoreCase) == true))
            {
                await graph.Drives[drive.Id].Items[file.Id].DeleteAsync(cancellationToken: ct);
            }
        }, ct, attendance: true);
    }

    /// <summary>The reference put in the event's subject, so Teams' recording files can be found by it.</summary>
    public static string Reference(Guid sessionId) => $"ref {sessionId.ToString("N")[^8..]}";

    private async Task EnsureOptionsCoreAsync(GraphServiceClient graph, TeamsMeeting meeting, CancellationToken ct)
    {
        var online = graph.Users[meeting.OrganizerUserId].OnlineMeetings[meeting.OnlineMeetingId];
        var wanted = MeetingOptions.Safeguarding;
        var current = await online.GetAsync(cancellationToken: ct);
        var options = current is null ? null : MeetingOptions.FromGraph(current);
        var drift = options?.DriftFrom(wanted) ?? ["no options reported"];
        if (drift.Count > 0)
        {
            if (meeting.OptionsReadAt is not null)
            {
                meeting.DriftCorrectedAt = clock.GetUtcNow();
                log.LogWarning("Teams meeting {Meeting} drifted from its safeguarding options ({Drift}); putting them right.", meeting.Id, string.Join("; ", drift));
            }
            await online.PatchAsync(wanted.ToGraph(), cancellationToken: ct);
            current = await online.GetAsync(cancellationToken: ct);
            options = current is null ? null : MeetingOptions.FromGraph(current);
            var still = options?.DriftFrom(wanted) ?? ["no options reported"];
            if (still.Count > 0)
            {
                meeting.OptionsJson = options is null ? null : JsonSerializer.Serialize(options, Json);
                throw new TeamsProblem($"Teams did not keep the safeguarding options: {string.Join("; ", still)}. A Teams meeting policy may be overriding them.");
            }
        }
        meeting.OptionsJson = JsonSerializer.Serialize(options, Json);
        meeting.OptionsReadAt = clock.GetUtcNow();
    }

    private async Task<TeamsAttendance> ReadAttendanceCoreAsync(GraphServiceClient graph, TeamsMeeting meeting, SessionDto session, CancellationToken ct)
    {
        var online = graph.Users[meeting.OrganizerUserId].OnlineMeetings[meeting.OnlineMeetingId];
        var reports = await online.AttendanceReports.GetAsync(cancellationToken: ct);
        var records = new List<(string, string, string?, string?, AttendeeKind, PresenceInterval)>();
        var reportCount = 0;
        foreach (var report in reports?.Value ?? [])
        {
            reportCount++;
            var page = await online.AttendanceReports[report.Id].AttendanceRecords.GetAsync(cancellationToken: ct);
            while (page is not null)
            {
                foreach (var record in page.Value ?? [])
                {
                    var name = record.Identity?.DisplayName ?? record.EmailAddress ?? "(unnamed)";
                    var kind = KindOf(record, meeting.OrganizerUserId, session);
                    var key = record.Identity?.Id ?? record.EmailAddress?.ToUpperInvariant() ?? name;
                    foreach (var interval in record.AttendanceIntervals ?? [])
                    {
                        if (interval.JoinDateTime is { } join && interval.LeaveDateTime is { } leave)
                        {
                            records.Add((key, name, record.EmailAddress, record.Role, kind, new PresenceInterval(join, leave)));
                        }
                    }
                }
                page = page.OdataNextLink is { } next
                    ? await online.AttendanceReports[report.Id].AttendanceRecords.WithUrl(next).GetAsync(cancellationToken: ct)
                    : null;
            }
        }
        return TeamsAttendance.From(reportCount, records);
    }

    /// <summary>
    /// Records the judged attendance once: the meeting's attendance is claimed by a conditional
    /// update, so of two instances reading it at once one records the evidence (and any draft),
    /// and the other finds it done.
    /// </summary>
    private async Task RecordAttendanceAsync(Guid schoolId, SessionDto session, TeamsMeeting meeting, TeamsAttendance attendance, IReadOnlyList<AttendanceVerdict> verdicts, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var json = JsonSerializer.Serialize(attendance, Json);
        var unknown = attendance.Of(AttendeeKind.Unknown).ToList();
        await using (var write = unknown.Count > 0 ? await Concerns.ConcernWrites.BeginAsync(db, schoolId, ct) : await WriteTransaction.BeginAsync(db, ct))
        {
            var claimed = await db.Set<TeamsMeeting>().Where(m => m.SessionId == meeting.SessionId && m.AttendanceReadAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.AttendanceReadAt, now).SetProperty(m => m.AttendanceJson, json), ct);
            if (claimed == 0)
            {
                await db.Entry(meeting).ReloadAsync(ct);
                return;
            }
            db.Evidence.Add(new EvidenceRecord
            {
                SchoolId = schoolId,
                SessionId = meeting.SessionId,
                Stage = TeamsEvidence.Attendance,
                Sequence = session.Sequence,
                RecordedAt = now,
                Items = verdicts.Where(v => v.Status != VerdictStatus.NotApplicable)
                    .Select(v => new EvidenceItem { Clause = v.Clause, Rule = v.Rule, Passed = v.Status == VerdictStatus.Met, Text = v.Evidence })
                    .ToList(),
            });
            if (unknown.Count > 0)
            {
                await DraftUnknownAsync(schoolId, session, unknown, now, ct);
            }
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        // The tracked row as stored (written again, unchanged, with the step's own fields).
        meeting.AttendanceReadAt = now;
        meeting.AttendanceJson = json;
        if (unknown.Count > 0)
        {
            outbox.Wake();
        }
    }

    /// <summary>
    /// DESIGN: an unknown person in the call reports to the DSL. Added with the attendance's
    /// evidence (in its transaction): a safeguarding draft for the session's teacher naming whom
    /// Teams listed, and a content-free email telling them it waits; left unraised, it goes to the
    /// DSL as it stands. A teacher who has left gets no email, and their draft goes to the DSL in the same time.
    /// </summary>
    private async Task DraftUnknownAsync(Guid schoolId, SessionDto session, IReadOnlyList<AttendeePresence> unknown, DateTimeOffset now, CancellationToken ct)
    {
        var zone = Policy.PolicySettings.ZoneOrDefault(session.TimeZone);
        var listed = unknown.Select(p => $"{p.Name}{(p.Email is { Length: > 0 } e ? $" ({e})" : "")}"
            + (p.FirstJoin is { } from && p.LastLeave is { } to ? $", in the call from {Pages.Display.At(from, zone)} to {Pages.Display.At(to, zone)}" : "")).ToList();
        var teacher = await db.Users.AsNoTracking().Where(u => u.Id == Guid.Parse(session.Teacher.Id) && u.SchoolId == schoolId)
            .Select(u => new { u.Id, u.Name, u.Email, Active = u.AccessEndedAt == null }).FirstAsync(ct);
        var school = await db.Schools.AsNoTracking().Where(x => x.Id == schoolId).Select(x => x.Name).FirstAsync(ct);
        var minutes = (await Concerns.ConcernSettingsStore.LoadAsync(db, schoolId, ct)).AcknowledgeWithinMinutes;
        var draft = await concerns.AddTeamsUnknownDraftAsync(schoolId, Guid.Parse(session.Id), teacher.Id, teacher.Name, listed, now, ct);
        if (teacher is { Active: true, Email: { } email } && People.ManagePeople.IsEmail(email))
        {
            db.OutboxMessages.Add(concernMail.DraftWaiting(draft, school, (teacher.Id, teacher.Name, email), minutes));
        }
    }

    /// <summary>The organizer is the teacher; an invited guardian (by email, or by name when Teams gives none) is the family device; anyone else is unknown.</summary>
    private static AttendeeKind KindOf(AttendanceRecord record, string? organizer, SessionDto session)
    {
        if (string.Equals(record.Role, "Organizer", StringComparison.OrdinalIgnoreCase)
            || (organizer is not null && (string.Equals(record.Identity?.Id, organizer, StringComparison.OrdinalIgnoreCase) || string.Equals(record.EmailAddress, organizer, StringComparison.OrdinalIgnoreCase))))
        {
            return AttendeeKind.Teacher;
        }
        var family = session.Guardians.Any(g =>
            (record.EmailAddress is not null && string.Equals(g.Email, record.EmailAddress, StringComparison.OrdinalIgnoreCase))
            || (record.EmailAddress is null && string.Equals(g.Name, record.Identity?.DisplayName?.Trim(), StringComparison.OrdinalIgnoreCase)));
        return family ? AttendeeKind.Family : AttendeeKind.Unknown;
    }

    /// <summary>
    /// The teacher's calendar event of the session: its time and, <paramref name="withDetails"/>,
    /// what it is and its Teams meeting. The parents and carers are not among its attendees: they
    /// are invited by Chaperone's own email (with its calendar invite, which Chaperone keeps up to
    /// date), and reach the meeting's link only through their page, once a parent with parental
    /// responsibility has given consent there (clause 1). An invitation from Teams would give them
    /// the link without that step, and put a second copy of the session in their calendar.
    /// </summary>
    private async Task<Event> EventFor(SessionDto session, bool withDetails)
    {
        var zoneId = session.TimeZone;
        // Graph takes Windows zone names everywhere; IANA ones only in some places.
        var graphZone = TimeZoneInfo.TryConvertIanaIdToWindowsId(zoneId, out var windows) ? windows : zoneId;
        var zone = Policy.PolicySettings.ZoneOrDefault(zoneId);
        DateTimeTimeZone At(DateTimeOffset instant) => new()
        {
            DateTime = Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime.ToString("uuuu'-'MM'-'dd'T'HH':'mm':'ss", System.Globalization.CultureInfo.InvariantCulture),
            TimeZone = graphZone,
        };
        var e = new Event
        {
            Start = At(session.Start),
            End = At(session.End),
        };
        if (withDetails)
        {
            e.Subject = $"{(session.Kind == "pastoral" ? "Pastoral" : "Support")} session with {string.Join(" and ", session.Pupils.Select(p => p.Name))} ({Reference(Guid.Parse(session.Id))})";
            e.Body = new ItemBody
            {
                ContentType = BodyType.Text,
                Content = "The family joins from the link on their Chaperone page, which they are given once a parent with parental responsibility has consented there; "
                    + "they wait in the lobby until you let them in. The session's page in Chaperone shows whose consent is on record. "
                    + "The call is recorded; afterwards, record its outcome on that page.",
            };
            e.IsOnlineMeeting = true;
            e.OnlineMeetingProvider = OnlineMeetingProviderType.TeamsForBusiness;
            e.AllowNewTimeProposals = false;
            e.TransactionId = session.Id;
        }
        await Task.CompletedTask;
        return e;
    }

    private async Task<(SessionDto? Session, TeamsMeeting? Meeting)> LoadAsync(Guid schoolId, Guid sessionId, bool create, CancellationToken ct)
    {
        var session = await SessionView.LoadAsync(db, schoolId, sessionId, ct);
        if (session is null || session.Provider != CallProviders.Teams)
        {
            return (null, null);
        }
        var meeting = await db.Set<TeamsMeeting>().FirstOrDefaultAsync(m => m.SessionId == sessionId && m.SchoolId == schoolId, ct);
        if (meeting is null && create)
        {
            meeting = new TeamsMeeting { SchoolId = schoolId, SessionId = sessionId };
            db.Set<TeamsMeeting>().Add(meeting);
        }
        return (session, meeting);
    }

    /// <summary>
    /// Runs one Graph step for a meeting. Graph's errors, token failures and exhausted retries become
    /// a pending outcome with the reason kept on the row; creation failures are retried with back-off
    /// (<paramref name="attendance"/>: reading afterwards, which the worker repeats on its own).
    /// </summary>
    private async Task<TeamsOutcome> AttemptAsync(TeamsMeeting meeting, Func<GraphServiceClient, string, Task> step, CancellationToken ct, bool attendance = false)
    {
        string? problem;
        var connection = await connections.ConnectAsync(db, meeting.SchoolId, ct);
        var organizer = await OrganizerAsync(meeting, ct);
        if (connection is TeamsConnection.NotConfigured nc)
        {
            problem = nc.Missing;
        }
        else if (organizer is null)
        {
            problem = "The teacher has no Microsoft 365 account mapped (Admin, Microsoft Teams).";
        }
        else
        {
            problem = await TryAsync(() => step(((TeamsConnection.Ready)connection).Graph, organizer));
        }
        var now = clock.GetUtcNow();
        if (problem is null)
        {
            if (!attendance)
            {
                meeting.LastError = null;
                meeting.NextAttemptAt = null;
                meeting.Attempts = 0;
            }
            else if (meeting.NextAttemptAt is not { } next || next <= now)
            {
                // A read that succeeds starts the back-off over, unless the other read of the same
                // pass has just failed: that back-off is kept, with its count.
                meeting.Attempts = 0;
            }
            await db.SaveChangesAsync(ct);
            return new TeamsOutcome.Done(meeting);
        }
        log.LogWarning("Teams step for session {Session} failed: {Problem}", meeting.SessionId, problem);
        // Every failed step waits longer before the worker tries the meeting again (1, 2, 4 … 60
        // minutes), reading reports too, so that a permission taken away does not mean calls to
        // Graph and a warning for every meeting on every pass. A report that is simply not in yet
        // is no failure; a failed read is not shown as the meeting's error, which is about making it.
        meeting.Attempts++;
        meeting.NextAttemptAt = now + TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, meeting.Attempts - 1)));
        if (!attendance)
        {
            meeting.LastError = problem;
        }
        await db.SaveChangesAsync(ct);
        return new TeamsOutcome.Pending(problem);
    }

    private async Task<string?> OrganizerAsync(TeamsMeeting meeting, CancellationToken ct)
    {
        if (meeting.OrganizerUserId is not null)
        {
            return meeting.OrganizerUserId;
        }
        var teacherId = await db.Sessions.Where(s => s.Id == meeting.SessionId).Select(s => s.TeacherId).FirstAsync(ct);
        return await db.Set<TeamsAccount>().Where(a => a.StaffId == teacherId && a.SchoolId == meeting.SchoolId).Select(a => a.UserId).FirstOrDefaultAsync(ct);
    }

    /// <summary>Graph's failures as a sentence for a person; anything else is a bug and is not caught.</summary>
    private static async Task<string?> TryAsync(Func<Task> step)
    {
        try
        {
            await step();
            return null;
        }
        catch (TeamsProblem p)
        {
            return p.Message;
        }
        catch (ODataError e)
        {
            return GraphErrors.Describe(e);
        }
        catch (AuthenticationFailedException e)
        {
            return GraphErrors.DescribeToken(e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException or TaskCanceledException)
        {
            return $"Microsoft Graph could not be reached: {e.Message}";
        }
    }
}

/// <summary>An expected Teams failure with a reason for a person (caught inside <see cref="TeamsMeetings"/>, never escapes it).</summary>
internal sealed class TeamsProblem(string message) : Exception(message);

public static class TeamsEvidence
{
    /// <summary>Evidence read from Teams' attendance reports after the call.</summary>
    public const string Attendance = "teams-attendance";
}
