using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Calls;

/// <summary>
/// DESIGN, growing past one machine: a built-in call's room lives on one instance, and its lease
/// in the database keeps a second instance from opening the same call, so a connection routed to
/// the wrong instance is told so instead of splitting the call in two. Two instances of one
/// installation on one database, each named by <c>Calls:InstanceName</c>.
/// </summary>
public abstract class RoomLeaseTests(ChaperoneApp app)
{
    private const string Second = "second instance";

    private async Task<(TestSchool School, Guid SessionId, string Token, DateTimeOffset Start)> SessionOpeningNowAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var id = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start)));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        return (school, id, app.Services.GetRequiredService<FamilyLinks>().TokenFor(id, school.Mother), start);
    }

    private RoomLeaseRenewal Renewal => app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<RoomLeaseRenewal>().Single();

    private Task<RoomLease?> LeaseAsync(Guid sessionId) =>
        app.WithDbAsync(db => db.Set<RoomLease>().AsNoTracking().FirstOrDefaultAsync(l => l.SessionId == sessionId));

    [Fact]
    public async Task AConnectionReachingAnotherInstanceThanTheRoomsIsToldSoUntilTheRoomIsLetGoOf()
    {
        var (school, id, token, _) = await SessionOpeningNowAsync();
        await using var second = await app.AnotherInstanceAsync(s => s[RoomLeases.InstanceNameSetting] = Second);
        var bearer = CallClient.Bearer(await school.TeacherAsync(app));

        await using (var teacher = await CallClient.ConnectAsync(app, bearer))
        {
            await teacher.Ok("Host", id.ToString());
            Assert.Equal(app.Services.GetRequiredService<RoomLeases>().Holder, (await LeaseAsync(id))!.Holder);

            // The family's page was routed to the other instance: it is told, and that instance does not open the call.
            await using var family = await CallClient.ConnectAsync(second);
            var refused = await family.Call("JoinFamily", token);
            Assert.False(refused.Ok);
            Assert.Contains("open on another of the school's servers", refused.Message);
            Assert.Null(second.Services.GetRequiredService<RoomRegistry>().Find(id));
            Assert.Contains(second.Logs.Entries, e => e.Message.Contains($"The room of session {id} is held by another instance", StringComparison.Ordinal));
        }

        // The teacher has left: the first instance lets go of the room and its lease, and the call opens on the other.
        await CallClient.WaitForEventsAsync(app, id, RoomEvents.Left, 1);
        await WaitUntilAsync(async () => await LeaseAsync(id) is null);
        await using var moved = await CallClient.ConnectAsync(second);
        await moved.Ok("JoinFamily", token);
        Assert.Equal(Second, (await LeaseAsync(id))!.Holder);
        await using var back = await CallClient.ConnectAsync(app, bearer);
        Assert.Contains("open on another of the school's servers", (await back.Call("Host", id.ToString())).Message);
        Assert.Null(app.Services.GetRequiredService<RoomRegistry>().Find(id));
    }

    [Fact]
    public async Task TheRoomOfAnInstanceThatStoppedWithoutLettingGoOpensElsewhereOnceItsLeaseHasLapsed()
    {
        var (school, id, _, _) = await SessionOpeningNowAsync();
        var now = app.Clock.GetUtcNow();
        // An instance that stopped without letting go (its process killed, say) left its lease behind.
        await app.WithDbAsync(async db =>
        {
            db.Add(new RoomLease { SessionId = id, SchoolId = school.SchoolId, Holder = "gone", Until = now + RoomLeases.Term });
            return await db.SaveChangesAsync();
        });
        var bearer = CallClient.Bearer(await school.TeacherAsync(app));

        await using (var early = await CallClient.ConnectAsync(app, bearer))
        {
            Assert.Contains("open on another of the school's servers", (await early.Call("Host", id.ToString())).Message);
        }

        app.Clock.Advance(RoomLeases.Term + TimeSpan.FromSeconds(1));
        await using var teacher = await CallClient.ConnectAsync(app, bearer);
        await teacher.Ok("Host", id.ToString());
        Assert.Equal(app.Services.GetRequiredService<RoomLeases>().Holder, (await LeaseAsync(id))!.Holder);
    }

    [Fact]
    public async Task AHeldRoomsLeaseIsRenewedSoItNeverLapsesWhileTheCallGoesOn()
    {
        var (school, id, token, _) = await SessionOpeningNowAsync();
        await using var teacher = await CallClient.ConnectAsync(app, CallClient.Bearer(await school.TeacherAsync(app)));
        await teacher.Ok("Host", id.ToString());
        var renewal = Renewal;

        // Three terms go by, with the renewal's passes between.
        for (var i = 0; i < 9; i++)
        {
            app.Clock.Advance(RoomLeases.RenewEvery);
            await renewal.RunOnceAsync(CancellationToken.None);
        }

        var lease = await LeaseAsync(id);
        Assert.True(lease!.Until > app.Clock.GetUtcNow(), $"The lease lapsed at {lease.Until:O}.");
        await using var second = await app.AnotherInstanceAsync(s => s[RoomLeases.InstanceNameSetting] = Second);
        await using var family = await CallClient.ConnectAsync(second);
        Assert.Contains("open on another of the school's servers", (await family.Call("JoinFamily", token)).Message);
    }

    [Fact]
    public async Task ALeaseLostWhileItsRoomIsHeldIsTakenAgainUnlessAnotherInstanceHasTakenIt()
    {
        var (school, id, _, _) = await SessionOpeningNowAsync();
        await using var teacher = await CallClient.ConnectAsync(app, CallClient.Bearer(await school.TeacherAsync(app)));
        await teacher.Ok("Host", id.ToString());
        var renewal = Renewal;
        var holder = app.Services.GetRequiredService<RoomLeases>().Holder;

        // The lease went while the room was held (it lapsed while the database could not be reached, and was removed).
        await app.WithDbAsync(db => db.Set<RoomLease>().Where(l => l.SessionId == id).ExecuteDeleteAsync());
        await renewal.RunOnceAsync(CancellationToken.None);
        Assert.Equal(holder, (await LeaseAsync(id))!.Holder);

        // Another instance took it meanwhile: the renewal leaves it there, and the log says the call may be split.
        await app.WithDbAsync(db => db.Set<RoomLease>().Where(l => l.SessionId == id).ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, Second)));
        await renewal.RunOnceAsync(CancellationToken.None);
        Assert.Equal(Second, (await LeaseAsync(id))!.Holder);
        Assert.Contains(app.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error
            && e.Message.Contains($"room of session {id} lapsed before this instance renewed it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnInstanceGivesUpItsLeasesWhenItStopsAndLapsedOnesAreRemoved()
    {
        var (school, id, _, _) = await SessionOpeningNowAsync();
        var now = app.Clock.GetUtcNow();
        var other = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(CallClient.NextSessionStart(app).AddHours(2))));
        await app.WithDbAsync(async db =>
        {
            db.Add(new RoomLease { SessionId = id, SchoolId = school.SchoolId, Holder = Second, Until = now + RoomLeases.Term });
            db.Add(new RoomLease { SessionId = other, SchoolId = school.SchoolId, Holder = "long gone", Until = now - RoomLeases.Term - TimeSpan.FromSeconds(1) });
            return await db.SaveChangesAsync();
        });

        var second = await app.AnotherInstanceAsync(s => s[RoomLeases.InstanceNameSetting] = Second);
        await second.DisposeAsync();
        Assert.Null(await LeaseAsync(id));

        // The renewal removes lapsed leases once an hour.
        app.Clock.Advance(RoomLeaseRenewal.SweepEvery);
        await Renewal.RunOnceAsync(CancellationToken.None);
        Assert.Null(await LeaseAsync(other));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not come true within 15 seconds.");
            await Task.Delay(20);
        }
    }
}

public sealed class RoomLeaseOnSqlite(ChaperoneApp app) : RoomLeaseTests(app), IClassFixture<ChaperoneApp>;

public sealed class RoomLeaseOnPostgres(PostgresChaperoneApp app) : RoomLeaseTests(app), IClassFixture<PostgresChaperoneApp>;
