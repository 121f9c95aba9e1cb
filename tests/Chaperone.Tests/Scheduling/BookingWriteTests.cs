using Chaperone.Scheduling;
using Chaperone.Storage;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// The write path of bookings (<see cref="Conflicts.WriteAsync{T}"/>): concurrent writes that
/// check for clashes and insert, each on its own request context. On SQLite they share group
/// commits; the outcome must be as if each ran alone.
/// </summary>
public abstract class BookingWriteTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Friday9 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task OfConcurrentWritesThatClashWithEachOtherExactlyOneIsSaved()
    {
        var school = await TestSchool.CreateAsync(app);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            WriteSessionAsync(school, school.TeacherId, Friday9.AddMinutes(i)))));

        Assert.Equal(1, outcomes.Count(saved => saved));
        Assert.Equal(1, await CountAsync(school));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWriteThatFailsDoesNotLoseTheWritesCommittedWithIt(bool asRows)
    {
        var school = await TestSchool.CreateAsync(app);
        // The first write holds its transaction until the others have queued behind it, so that
        // (on SQLite) they are committed together in the next batch, the failing one among them.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Task.Run(() => WriteSessionAsync(school, school.TeacherId, Friday9, release.Task, asRows));
        await Task.Delay(200);
        var others = Enumerable.Range(1, 5).Select(i => Task.Run(() =>
            WriteSessionAsync(school, i == 3 ? Guid.NewGuid() : school.TeacherId, Friday9.AddHours(i), asRows: asRows))).ToList();
        await Task.Delay(300);
        release.SetResult();

        Assert.True(await first);
        for (var i = 1; i <= 5; i++)
        {
            if (i == 3)
            {
                // A host that does not exist: the database refuses the row (through the context, or
                // straight from the provider when written as rows).
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => others[i - 1]);
                Assert.True(refused is DbUpdateException or System.Data.Common.DbException, refused.ToString());
            }
            else
            {
                Assert.True(await others[i - 1]);
            }
        }
        var starts = await app.WithDbAsync(db => db.Sessions.AsNoTracking().Where(s => s.SchoolId == school.SchoolId).Select(s => s.Start).ToListAsync());
        Assert.Equal(
            new[] { 0, 1, 2, 4, 5 }.Select(h => Friday9.AddHours(h)).Order(),
            starts.Select(s => s.ToUniversalTime()).Order());
    }

    [Fact]
    public async Task AWriteThatDecidesNotToSaveLeavesNoTrace()
    {
        var school = await TestSchool.CreateAsync(app);

        var result = await app.WithDbAsync(db => Conflicts.WriteAsync(db, [school.TeacherId], (store, ct) =>
        {
            store.Sessions.Add(NewSession(school, school.TeacherId, Friday9));
            return Task.FromResult(WriteDecision.Discard("refused"));
        }, CancellationToken.None));

        Assert.Equal("refused", result);
        Assert.Equal(0, await CountAsync(school));
    }

    /// <summary>Books the host at <paramref name="start"/> for 30 minutes unless they are already busy then; true when saved.</summary>
    private async Task<bool> WriteSessionAsync(TestSchool school, Guid hostId, DateTimeOffset start, Task? holdUntil = null, bool asRows = false)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        return await Conflicts.WriteAsync(db, [hostId], async (store, ct) =>
        {
            var clashes = await Conflicts.FindAsync(store, school.SchoolId, hostId, [], [], start, start.AddMinutes(30), null, ct);
            if (clashes.Count > 0)
            {
                return WriteDecision.Discard(false);
            }
            var session = NewSession(school, hostId, start);
            if (!asRows)
            {
                store.Sessions.Add(session);
            }
            if (holdUntil is not null)
            {
                await holdUntil;
            }
            return WriteDecision.Commit(true, asRows ? new RowWrite().Add(session) : null);
        }, CancellationToken.None);
    }

    private static Session NewSession(TestSchool school, Guid hostId, DateTimeOffset start) => new()
    {
        SchoolId = school.SchoolId,
        TeacherId = hostId,
        Start = start,
        End = start.AddMinutes(30),
        DurationMinutes = 30,
        BookedAt = ChaperoneApp.StartOfTime,
        BookedById = school.TeacherId,
    };

    private Task<int> CountAsync(TestSchool school) =>
        app.WithDbAsync(db => db.Sessions.CountAsync(s => s.SchoolId == school.SchoolId));
}

public sealed class BookingWriteOnSqlite(ChaperoneApp app) : BookingWriteTests(app), IClassFixture<ChaperoneApp>;

public sealed class BookingWriteOnPostgres(PostgresChaperoneApp app) : BookingWriteTests(app), IClassFixture<PostgresChaperoneApp>;
