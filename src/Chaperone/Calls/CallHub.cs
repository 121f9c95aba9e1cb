using Chaperone.Compliance;
using Chaperone.Families;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Calls;

/// <summary>What every hub call answers: done, or refused with words to show.</summary>
/// <param name="Link">Where the teacher goes next, when the action opened something (a concern draft).</param>
public sealed record HubAnswer(bool Ok, string? Message = null, string? Link = null)
{
    public static readonly HubAnswer Done = new(true);
    public static HubAnswer No(string message) => new(false, message);
}

/// <summary>Who a connection is in which room; kept in the connection's items.</summary>
internal sealed record Membership(Guid SessionId, Guid SchoolId, string Party);

/// <summary>
/// The live call: staff join with their sign-in cookie, families with their link's token.
/// Every action goes through the room's rules (<see cref="Room"/>); its events are stored before
/// anyone is told; every connection in the room then gets its own view of the new state.
/// Signalling (SDP and ICE) is relayed only between parties who may connect now.
/// </summary>
[AllowAnonymous]
public sealed class CallHub(RoomRegistry rooms, IServiceProvider services, FamilyLinks links, TimeProvider clock, ILogger<CallHub> logger) : Hub
{
    private ChaperoneDbContext? _db;

    // Resolved on first use: relaying a signal, the hub's busiest message, never touches the database.
    private ChaperoneDbContext Db => _db ??= services.GetRequiredService<ChaperoneDbContext>();

    public const string Path = "/hubs/call";

    /// <summary>
    /// The query parameter naming the session whose room a connection is for (<c>/hubs/call?room=…</c>),
    /// which the call pages send so that a load balancer in front of several instances can give
    /// every connection of one call to the same instance. A connection that names a room joins
    /// only that one.
    /// </summary>
    public const string RoomParameter = "room";
    public const int MaxSignalLength = 16 * 1024;

    private Membership? Member => Context.Items.TryGetValue(nameof(Membership), out var m) ? m as Membership : null;

    public override Task OnConnectedAsync()
    {
        rooms.Track(Context);
        return Task.CompletedTask;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        rooms.Forget(Context.ConnectionId);
        if (Member is { } member && rooms.Find(member.SessionId) is { } handle)
        {
            await ActAsync(handle, room => member.Party == RoomParty.Teacher
                ? room.TeacherLeft(Context.ConnectionId, Now)
                : room.FamilyLeft(Guid.Parse(member.Party), Context.ConnectionId, Now), CancellationToken.None);
            await BroadcastAsync(handle);
            await rooms.LetGoIfEmptyAsync(Db, handle);
        }
    }

    private DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The host teacher opens or rejoins the room of one of their sessions.</summary>
    public async Task<HubAnswer> Host(string sessionId)
    {
        var user = Context.User;
        if (user?.Identity?.IsAuthenticated != true || !user.HasClaim(c => c.Type == ChaperoneClaims.School))
        {
            return HubAnswer.No("Sign in first.");
        }
        if (!Ids.TryParse(sessionId, out var id))
        {
            return HubAnswer.No("There is no such session.");
        }
        // Before the room is loaded: a connection routed here for another call must not open this one here.
        if (!ForRoom(id))
        {
            return OtherRoom;
        }
        var (handle, answer) = await JoinAsync(() => rooms.OpenAsync(Db, user.SchoolId(), id, Context.ConnectionAborted),
            room => room.TeacherJoin(user.UserId(), Context.ConnectionId, Now), "There is no such session.");
        if (handle is not null && answer.Ok)
        {
            Context.Items[nameof(Membership)] = new Membership(id, handle.Room.Facts.SchoolId, RoomParty.Teacher);
            await BroadcastAsync(handle);
        }
        return answer;
    }

    /// <summary>A family device joins from the guardian's link, into the lobby (or back to its place after a reload).</summary>
    public async Task<HubAnswer> JoinFamily(string token)
    {
        if (links.Read(token) is not { } link)
        {
            return HubAnswer.No("This link is not valid. Use the link in the school's email.");
        }
        if (!ForRoom(link.SessionId))
        {
            return OtherRoom;
        }
        var schoolId = await Db.Sessions.AsNoTracking().Where(s => s.Id == link.SessionId).Select(s => s.SchoolId).FirstOrDefaultAsync(Context.ConnectionAborted);
        // The link's own check, as its pages make it: a parent or carer since unlinked from the
        // child, or no longer invited, is not let into the call.
        if (schoolId != Guid.Empty && !await OpenFamilyLink.Admitted(Db, schoolId, link.SessionId, link.GuardianId).AnyAsync(Context.ConnectionAborted))
        {
            return HubAnswer.No("This link is no longer for a session you are invited to. Please contact the school.");
        }
        const string gone = "This session no longer exists.";
        var (handle, answer) = schoolId == Guid.Empty
            ? (null, HubAnswer.No(gone))
            : await JoinAsync(() => rooms.OpenAsync(Db, schoolId, link.SessionId, Context.ConnectionAborted),
                room => room.FamilyJoin(link.GuardianId, Context.ConnectionId, Now), gone);
        if (handle is not null && answer.Ok)
        {
            Context.Items[nameof(Membership)] = new Membership(link.SessionId, schoolId, link.GuardianId.ToString());
            await BroadcastAsync(handle);
        }
        return answer;
    }

    /// <summary>
    /// Opens a room and runs <paramref name="join"/> in it; opens it again if the room was let go of
    /// before the join had its turn (its last connection left just then). No room: no handle, and
    /// <paramref name="noSession"/> or the words for a room held by another instance.
    /// </summary>
    private async Task<(RoomHandle? Handle, HubAnswer Answer)> JoinAsync(Func<Task<RoomOpening>> open, Func<Room, RoomResult> join, string noSession)
    {
        for (var attempt = 0; ; attempt++)
        {
            RoomHandle handle;
            switch (await open())
            {
                case RoomOpening.Opened opened:
                    handle = opened.Handle;
                    break;
                case RoomOpening.HeldElsewhere:
                    return (null, HeldElsewhere);
                case RoomOpening.BeingEnded:
                    return (null, BeingEnded);
                default:
                    return (null, HubAnswer.No(noSession));
            }
            var answer = await ActAsync(handle, join, Context.ConnectionAborted);
            if (!ReferenceEquals(answer, RoomLetGo) || attempt == 4)
            {
                return (handle, answer);
            }
        }
    }

    /// <summary>The answer of an action whose room was let go of before the action's turn (see <see cref="RoomRegistry"/>).</summary>
    private static readonly HubAnswer RoomLetGo = HubAnswer.No("The call was busy; try again.");

    /// <summary>Whether this connection may join the room of <paramref name="sessionId"/>: it named that room, or none.</summary>
    private bool ForRoom(Guid sessionId) =>
        Context.GetHttpContext()?.Request.Query[RoomParameter] is not { Count: > 0 } room
        || (Ids.TryParse(room.ToString(), out var named) && named == sessionId);

    /// <summary>Said when another instance holds the room: this connection was routed to the wrong instance.</summary>
    private static readonly HubAnswer HeldElsewhere = HubAnswer.No("This call is open on another of the school's servers, and this page reached the wrong one. Reload the page; if this goes on, tell the school's IT support.");

    private static readonly HubAnswer BeingEnded = HubAnswer.No("The teacher has just recorded that the pupil did not attend: this session has finished.");

    private static readonly HubAnswer OtherRoom = HubAnswer.No("This page was opened for another call. Reload it.");

    public Task<HubAnswer> Declare(string[]? pupilIds, bool staysThroughout, string[]? checklist) =>
        pupilIds is null || checklist is null || pupilIds.Length > 20 || checklist.Length > 20
            ? Task.FromResult(Refuse("missing or oversized declaration"))
            : FamilyAsync((room, guardian) => room.Declare(guardian,
                new Declaration(pupilIds.Select(p => Guid.TryParse(p, out var g) ? g : Guid.Empty).ToList(), staysThroughout, [.. checklist.OfType<string>()]), Now));

    public Task<HubAnswer> GiveConsent() => FamilyAsync((room, guardian) => room.GiveConsent(guardian, Now));

    public Task<HubAnswer> Leave() => FamilyAsync((room, guardian) => room.FamilyLeaves(guardian, Now));

    public Task<HubAnswer> Admit(string guardianId) => TeacherAsync(room => Guid.TryParse(guardianId, out var g) ? room.Admit(g, Now) : Unknown);

    /// <summary>The teacher confirms one guardian's consent, as shown on the console (in a small group, each family's in turn).</summary>
    public Task<HubAnswer> ConfirmConsent(string guardianId) => TeacherAsync(room => Guid.TryParse(guardianId, out var g) ? room.ConfirmConsent(g, Now) : Unknown);

    public Task<HubAnswer> ConfirmRoom() => TeacherAsync(room => room.ConfirmRoom(Now));

    public Task<HubAnswer> ConfirmDress() => TeacherAsync(room => room.ConfirmDress(Now));

    public Task<HubAnswer> ConfirmExpectations() => TeacherAsync(room => room.ConfirmExpectations(Now));

    public Task<HubAnswer> Start() => TeacherAsync(room => room.Start(Now));

    public Task<HubAnswer> Mute(string who, bool muted) =>
        TeacherAsync(room => who == RoomParty.Teacher ? room.Mute(null, muted, Now) : Guid.TryParse(who, out var g) ? room.Mute(g, muted, Now) : Unknown);

    public Task<HubAnswer> Lapse(bool lapsed) => TeacherAsync(room => room.Lapse(lapsed, Now));

    /// <summary>
    /// Ends the part of a device on which an unknown person is present, and saves a safeguarding
    /// concern draft at once (session, moment, summary) for the teacher to complete and raise.
    /// </summary>
    public async Task<HubAnswer> RemoveUnknownPerson(string guardianId)
    {
        var removed = Guid.TryParse(guardianId, out var g) ? g : Guid.Empty;
        var answer = await TeacherAsync(room => removed != Guid.Empty ? room.RemoveUnknownPerson(removed, Now) : Unknown);
        if (!answer.Ok || Member is not { } member || Context.User is not { } user)
        {
            return answer;
        }
        var name = rooms.Find(member.SessionId)?.Room.Families.GetValueOrDefault(removed)?.Guardian.Name;
        var draft = await services.GetRequiredService<Concerns.RaiseConcern>().DraftFromCallAsync(user, member.SessionId, name, CancellationToken.None);
        var wait = (await Concerns.ConcernSettingsStore.LoadAsync(Db, draft.SchoolId, CancellationToken.None)).AcknowledgeWithinMinutes;
        return answer with
        {
            Message = $"A safeguarding concern draft ({draft.Reference}) is saved. Complete it and raise it to the DSL; if it is not raised within {wait} minutes, it goes to them as it stands.",
            Link = $"/concerns/new?draft={Ids.Format(draft.Id)}",
        };
    }

    public Task<HubAnswer> EndFamilyPart() => TeacherAsync(room => room.EndFamilyPart(Now));

    public Task<HubAnswer> Close() => TeacherAsync(room => room.Close(Now));

    private static RoomResult Unknown => RoomResult.No(new(Policy.Clauses.Participants, "unknown", "Nobody like that is in this room."));

    /// <summary>Relays one signalling message (SDP or ICE) to another party of the same room, if they may connect now.</summary>
    public async Task<HubAnswer> Signal(string to, string payload)
    {
        if (Member is not { } member || rooms.Find(member.SessionId) is not { } handle)
        {
            return HubAnswer.No("Join the call first.");
        }
        if (payload is null || payload.Length > MaxSignalLength || to is null || to.Length > 64)
        {
            return Refuse("oversized or empty signal");
        }
        if (!handle.Routes.TryGetValue((member.Party, to), out var target))
        {
            return HubAnswer.No("That participant is not in the call.");
        }
        await Clients.Client(target).SendAsync("signal", member.Party, payload);
        return HubAnswer.Done;
    }

    private HubAnswer Refuse(string what)
    {
        logger.LogWarning("Refused a hub message from connection {Connection}: {What}.", Context.ConnectionId, what);
        return HubAnswer.No("That message was refused.");
    }

    private async Task<HubAnswer> FamilyAsync(Func<Room, Guid, RoomResult> action)
    {
        if (Member is not { } member || member.Party == RoomParty.Teacher || rooms.Find(member.SessionId) is not { } handle)
        {
            return HubAnswer.No("Join the call from your link first.");
        }
        var answer = await ActAsync(handle, room => action(room, Guid.Parse(member.Party)), Context.ConnectionAborted);
        await BroadcastAsync(handle);
        return answer;
    }

    private async Task<HubAnswer> TeacherAsync(Func<Room, RoomResult> action)
    {
        if (Member is not { Party: RoomParty.Teacher } member || rooms.Find(member.SessionId) is not { } handle)
        {
            return HubAnswer.No("Only the host teacher can do that.");
        }
        var answer = await ActAsync(handle, action, Context.ConnectionAborted);
        await BroadcastAsync(handle);
        return answer;
    }

    /// <summary>Runs one action under the room's gate and stores its events (and the session's new status) before returning.</summary>
    private async Task<HubAnswer> ActAsync(RoomHandle handle, Func<Room, RoomResult> action, CancellationToken ct)
    {
        string? replaced = null;
        await handle.Gate.WaitAsync(ct);
        try
        {
            if (handle.LetGo)
            {
                return RoomLetGo;
            }
            var room = handle.Room;
            var result = action(room);
            if (result is RoomResult.Refused refused)
            {
                logger.LogInformation("Room {Session}: refused ({Rules}).", room.Facts.SessionId, string.Join(", ", refused.Reasons.Select(r => $"clause {r.Clause} {r.Rule}")));
                return HubAnswer.No(refused.Message);
            }
            var done = (RoomResult.Done)result;
            replaced = done.ReplacedConnection;
            handle.Publish();
            if (done.Events.Count > 0)
            {
                await StoreAsync(handle, done.Events, CancellationToken.None);
            }
        }
        finally
        {
            handle.Gate.Release();
        }
        if (replaced is not null && replaced != Context.ConnectionId)
        {
            await Clients.Client(replaced).SendAsync("replaced", "This link was opened on another device, so the call moved there. Close this window.", CancellationToken.None);
            rooms.Abort(replaced);
        }
        return HubAnswer.Done;
    }

    private async Task StoreAsync(RoomHandle handle, IReadOnlyList<RoomEvent> events, CancellationToken ct)
    {
        var room = handle.Room;
        Db.ChangeTracker.Clear();
        Db.Set<CallEventRecord>().AddRange(events.Select(e => CallEventRecord.From(room.Facts, e, ++handle.LastSequence)));
        var facts = room.Facts;
        if (events.Any(e => e.Kind == RoomEvents.Started) || events.Any(e => e.Kind == RoomEvents.Closed && e.Data.GetValueOrDefault("started") == "yes"))
        {
            var live = events.Any(e => e.Kind == RoomEvents.Started);
            var session = await Db.Sessions.FirstAsync(s => s.Id == facts.SessionId && s.SchoolId == facts.SchoolId, ct);
            session.Status = live ? SessionStatus.Live : SessionStatus.Ended;
            if (!live)
            {
                var kinds = await Db.Set<CallEventRecord>().AsNoTracking().Where(e => e.SessionId == facts.SessionId && e.SchoolId == facts.SchoolId)
                    .Select(e => new { e.Kind, e.Actor, e.At }).ToListAsync(ct);
                Db.Evidence.Add(new EvidenceRecord
                {
                    SchoolId = facts.SchoolId,
                    SessionId = facts.SessionId,
                    Stage = CallEvidence.Stage,
                    Sequence = session.Sequence,
                    RecordedAt = Now,
                    Items = CallEvidence.AtClose(room, [.. kinds.Select(k => (k.Kind, k.Actor, k.At))]),
                });
            }
        }
        await Db.SaveChangesAsync(ct);
    }

    private async Task BroadcastAsync(RoomHandle handle)
    {
        List<(string Connection, object View)> views;
        await handle.Gate.WaitAsync();
        try
        {
            views = RoomViews.All(handle.Room);
        }
        finally
        {
            handle.Gate.Release();
        }
        foreach (var (connection, view) in views)
        {
            await Clients.Client(connection).SendAsync("state", view);
        }
    }
}
