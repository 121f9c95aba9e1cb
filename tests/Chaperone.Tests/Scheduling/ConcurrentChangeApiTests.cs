using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Scheduling;

/// <summary>Moves and cancellations of one session racing each other: no change is lost.</summary>
public abstract class ConcurrentChangeApiTests(ChaperoneApp app)
{
    [Fact]
    public async Task RacingReschedulesAndCancelsLoseNoChange()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var booked = await TestSchool.BookAsync(teacher, school.Booking(Api.InLondon(2026, 12, 9, 10)));
        var id = (await booked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var moves = Enumerable.Range(0, 6).Select(i => Api.RescheduleAsync(teacher, id, Api.InLondon(2026, 12, 10, 9 + i)));
        var cancels = Enumerable.Range(0, 3).Select(_ => Api.CancelAsync(teacher, id));
        var responses = await Task.WhenAll(moves.Concat(cancels));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        var movedOk = responses.Take(6).Count(r => r.StatusCode == HttpStatusCode.OK);
        var cancelledOk = responses.Skip(6).Count(r => r.StatusCode == HttpStatusCode.OK);
        var session = await app.WithDbAsync(db => db.Sessions.AsNoTracking().SingleAsync(s => s.Id == Guid.Parse(id)));
        Assert.Equal(movedOk, session.Sequence);
        Assert.InRange(cancelledOk, 0, 1);
        Assert.Equal(cancelledOk == 1, session.Status == Chaperone.Scheduling.SessionStatus.Cancelled);
        Assert.True(movedOk + cancelledOk >= 1);
    }
}

public sealed class ConcurrentChangeOnSqlite(ChaperoneApp app) : ConcurrentChangeApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ConcurrentChangeOnPostgres(PostgresChaperoneApp app) : ConcurrentChangeApiTests(app), IClassFixture<PostgresChaperoneApp>;
