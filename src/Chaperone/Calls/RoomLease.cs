using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Calls;

/// <summary>
/// Which instance holds a built-in call's room, and until when. A room lives in one instance's
/// memory (<see cref="RoomRegistry"/>); with several instances behind a load balancer, every
/// connection of one call must reach that instance. The lease makes a wrong route visible instead
/// of splitting the call in two (the teacher in a room on one instance, the family waiting in a
/// lobby of the same call on another): an instance opens a room only while no other instance
/// holds its lease.
/// </summary>
public sealed class RoomLease
{
    public Guid SessionId { get; set; }
    public Guid SchoolId { get; set; }
    /// <summary>The holding instance's name (<see cref="RoomLeases.Holder"/>).</summary>
    public required string Holder { get; set; }
    /// <summary>The lease lapses then unless renewed: an instance that stopped without letting go holds its rooms no longer than this.</summary>
    public DateTimeOffset Until { get; set; }
}

internal sealed class RoomLeaseConfiguration : IEntityTypeConfiguration<RoomLease>
{
    public void Configure(EntityTypeBuilder<RoomLease> b)
    {
        b.ToTable("RoomLeases");
        b.HasKey(l => l.SessionId);
        b.Property(l => l.SessionId).ValueGeneratedNever();
        b.Property(l => l.Holder).HasMaxLength(300);
        b.HasIndex(l => l.Holder);
        b.HasIndex(l => l.SchoolId);
    }
}

/// <summary>
/// Takes, renews and gives up this instance's room leases (<see cref="RoomLease"/>).
/// </summary>
/// <remarks>
/// This instance is named by <c>Calls:InstanceName</c>, or else by its machine and the addresses
/// it listens on: so an instance restarted in the same place takes back its own rooms at once,
/// and two instances on one machine (on different ports) are told apart. A lease lasts
/// <see cref="Term"/> and is renewed every <see cref="RenewEvery"/> while the room is held;
/// a room whose instance stopped without letting go opens elsewhere once its lease has lapsed.
/// </remarks>
public sealed partial class RoomLeases(IConfiguration configuration, IServer server, TimeProvider clock, ILogger<RoomLeases> log)
{
    public const string InstanceNameSetting = "Calls:InstanceName";
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    private string? _holder;

    /// <summary>This instance's name in the leases it holds.</summary>
    public string Holder => _holder ??= configuration[InstanceNameSetting] is { Length: > 0 } name
        ? name[..Math.Min(name.Length, 300)]
        : DefaultName();

    private string DefaultName()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var name = Environment.MachineName + (addresses.Count > 0 ? " " + string.Join(" ", addresses.Order(StringComparer.Ordinal)) : "");
        return name[..Math.Min(name.Length, 300)];
    }

    /// <summary>
    /// The holder of a lease taken while a teacher marks that nobody came to a call that never
    /// started (<see cref="RecordOutcome"/>): no instance opens the room meanwhile, so the call
    /// cannot start on a session being ended.
    /// </summary>
    public const string MarkingDidNotAttend = "marking that the pupil did not attend";

    /// <summary>Takes the lease of a room for this instance: null once taken, or who holds it instead (<see cref="TakeAsync(ChaperoneDbContext, Guid, Guid, string, CancellationToken)"/>).</summary>
    public Task<string?> TakeAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct) => TakeAsync(db, schoolId, sessionId, Holder, ct);

    /// <summary>
    /// Takes the lease of a room for <paramref name="holder"/>: null once taken, or, while anyone
    /// else holds it, who does (another instance's name, or <see cref="MarkingDidNotAttend"/>), for
    /// the caller to say what that means to it.
    /// </summary>
    public async Task<string?> TakeAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, string holder, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var now = clock.GetUtcNow();
            var until = now + Term;
            // One statement: the database settles a race between two instances.
            var taken = await db.Set<RoomLease>()
                .Where(l => l.SessionId == sessionId && (l.Holder == holder || l.Until < now))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.Until, until), ct);
            if (taken == 1)
            {
                return null;
            }
            if (await HolderAsync(db, sessionId, ct) is { } other)
            {
                return other;
            }
            db.Set<RoomLease>().Add(new RoomLease { SessionId = sessionId, SchoolId = schoolId, Holder = holder, Until = until });
            try
            {
                await db.SaveChangesAsync(ct);
                return null;
            }
            catch (DbUpdateException)
            {
                // Another instance took it first: look again.
                db.ChangeTracker.Clear();
            }
        }
        return await HolderAsync(db, sessionId, ct) ?? "";
    }

    private static Task<string?> HolderAsync(ChaperoneDbContext db, Guid sessionId, CancellationToken ct) =>
        db.Set<RoomLease>().AsNoTracking().Where(l => l.SessionId == sessionId).Select(l => l.Holder).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Renews the leases of the rooms this instance holds, and takes again any it no longer has
    /// (a lease that lapsed while the database could not be reached, say) unless another instance
    /// has taken it meanwhile, which the log then says. A renewal only ever moves a lease's end later:
    /// a pass delayed behind a later one (a slow database) cannot shorten it.
    /// </summary>
    public async Task RenewAsync(ChaperoneDbContext db, IReadOnlyCollection<(Guid SchoolId, Guid SessionId)> rooms, CancellationToken ct)
    {
        if (rooms.Count == 0)
        {
            return;
        }
        var holder = Holder;
        var until = clock.GetUtcNow() + Term;
        var sessionIds = rooms.Select(r => r.SessionId).ToList();
        var renewed = await db.Set<RoomLease>()
            .Where(l => sessionIds.Contains(l.SessionId) && l.Holder == holder && l.Until < until)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Until, until), ct);
        if (renewed == rooms.Count)
        {
            return;
        }
        var kept = (await db.Set<RoomLease>().AsNoTracking()
            .Where(l => sessionIds.Contains(l.SessionId) && l.Holder == holder)
            .Select(l => l.SessionId).ToListAsync(ct)).ToHashSet();
        foreach (var (schoolId, sessionId) in rooms.Where(r => !kept.Contains(r.SessionId)))
        {
            if (await TakeAsync(db, schoolId, sessionId, ct) is not null)
            {
                LeaseLost(log, sessionId);
            }
        }
    }

    /// <summary>Gives up this instance's lease of a room it has let go of.</summary>
    public Task ReleaseAsync(ChaperoneDbContext db, Guid sessionId, CancellationToken ct) => ReleaseAsync(db, sessionId, Holder, ct);

    /// <summary>Gives up <paramref name="holder"/>'s lease of a room; the number of leases given up (0 or 1).</summary>
    public static Task<int> ReleaseAsync(ChaperoneDbContext db, Guid sessionId, string holder, CancellationToken ct) =>
        db.Set<RoomLease>().Where(l => l.SessionId == sessionId && l.Holder == holder).ExecuteDeleteAsync(ct);

    /// <summary>Removes leases lapsed a whole term ago (left by instances that stopped without letting go); any instance may take those rooms anyway.</summary>
    public Task ForgetLapsedAsync(ChaperoneDbContext db, CancellationToken ct)
    {
        var before = clock.GetUtcNow() - Term;
        return db.Set<RoomLease>().Where(l => l.Until < before).ExecuteDeleteAsync(ct);
    }

    /// <summary>Gives up every lease this instance holds (when it stops).</summary>
    public Task ReleaseAllAsync(ChaperoneDbContext db, CancellationToken ct)
    {
        var holder = Holder;
        return db.Set<RoomLease>().Where(l => l.Holder == holder).ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The lease of the room of session {Session} lapsed before this instance renewed it, and another instance has taken it: the call may be split between the two until its connections leave one of them.")]
    private static partial void LeaseLost(ILogger log, Guid session);
}

/// <summary>
/// Renews the leases of the rooms this instance holds, removes lapsed leases now and then, and
/// gives up this instance's leases when it stops.
/// </summary>
public sealed class RoomLeaseRenewal(RoomRegistry rooms, RoomLeases leases, IServiceScopeFactory scopes, TimeProvider clock, ILogger<RoomLeaseRenewal> log)
    : PeriodicWorker(clock, log)
{
    /// <summary>How often lapsed leases are removed.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromHours(1);

    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    protected override TimeSpan Interval => RoomLeases.RenewEvery;

    public override async Task RunOnceAsync(CancellationToken ct)
    {
        var held = rooms.Held();
        var now = Clock.GetUtcNow();
        var sweep = now >= _nextSweep;
        if (held.Count == 0 && !sweep)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        await leases.RenewAsync(db, held, ct);
        if (sweep)
        {
            await leases.ForgetLapsedAsync(db, ct);
            _nextSweep = now + SweepEvery;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await leases.ReleaseAllAsync(scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>(), cancellationToken);
        }
#pragma warning disable CA1031 // Stopping goes on: the leases lapse by themselves within their term.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.LogWarning(e, "Could not give up this instance's room leases as it stopped; they lapse within {Term}.", RoomLeases.Term);
        }
    }
}
