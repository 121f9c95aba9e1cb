using System.Net;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Scheduling;

/// <summary>Nobody is in two overlapping sessions (409), including under concurrent bookings.</summary>
public abstract class ConflictApiTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheSameTeacherCannotBeBookedTwiceOverlapping()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var first = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var response = await TestSchool.BookAsync(client, school.Booking(Thursday10.AddMinutes(15), school.SiblingA, school.SharedParent));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.Conflict);
        var conflict = Assert.Single(problem.GetProperty("conflicts").EnumerateArray());
        Assert.Equal(first, conflict.GetProperty("sessionId").GetString());
        Assert.Equal("teacher", conflict.GetProperty("role").GetString());
        Assert.Equal(1, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task TheSharedParentCannotSuperviseBothSiblingsAtOverlappingTimes()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        await TestSchool.BookOkAsync(slt, school.Booking(Thursday10, school.SiblingA, school.SharedParent, teacher: school.TeacherId));

        var response = await TestSchool.BookAsync(slt, school.Booking(Thursday10.AddMinutes(29), school.SiblingB, school.SharedParent, teacher: school.OtherTeacherId));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains(problem.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("role").GetString() == "guardian");
        Assert.Equal(1, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task AMovedSessionHoldsItsPupilAndParentAtTheNewTimeAndFreesTheOld()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var id = await TestSchool.BookOkAsync(slt, school.Booking(Thursday10, school.SiblingA, school.SharedParent, teacher: school.TeacherId));
        var moved = await Api.RescheduleAsync(slt, id, Thursday10.AddHours(2));

        // Another teacher, so only the pupil and the parent can clash.
        var atNewTime = await TestSchool.BookAsync(slt, school.Booking(Thursday10.AddHours(2).AddMinutes(15), school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId));
        var atOldTime = await TestSchool.BookAsync(slt, school.Booking(Thursday10, school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId));

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var problem = await Api.ProblemAsync(atNewTime, HttpStatusCode.Conflict);
        var roles = problem.GetProperty("conflicts").EnumerateArray().Select(c => c.GetProperty("role").GetString()).Order().ToList();
        Assert.Equal(["guardian", "pupil"], roles);
        Assert.Equal(HttpStatusCode.Created, atOldTime.StatusCode);
        Assert.Equal(2, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task BackToBackSessionsAreAllowed()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var after = await TestSchool.BookAsync(client, school.Booking(Thursday10.AddMinutes(30), school.SiblingA, school.SharedParent));
        var before = await TestSchool.BookAsync(client, school.Booking(Thursday10.AddMinutes(-30), school.SiblingB, school.SharedParent));

        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        Assert.Equal(3, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task ACancelledSessionFreesItsTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var first = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));
        Assert.Equal(HttpStatusCode.Conflict, (await TestSchool.BookAsync(client, school.Booking(Thursday10))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(client, first)).StatusCode);
        var response = await TestSchool.BookAsync(client, school.Booking(Thursday10));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task SessionsInAnotherSchoolNeverConflict()
    {
        var theirs = await TestSchool.CreateAsync(app);
        var ours = await TestSchool.CreateAsync(app);
        await TestSchool.BookOkAsync(await theirs.TeacherAsync(app), theirs.Booking(Thursday10));

        var response = await TestSchool.BookAsync(await ours.TeacherAsync(app), ours.Booking(Thursday10));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task OfConcurrentOverlappingBookingsForOneTeacherExactlyOneSucceeds()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var pupils = new[] { (school.TwoParentPupil, school.Mother), (school.SiblingA, school.SharedParent), (school.SiblingB, school.SharedParent) };
        var bodies = Enumerable.Range(0, 10)
            .Select(i => school.Booking(Thursday10.AddMinutes(i * 2), pupils[i % 3].Item1, pupils[i % 3].Item2))
            .ToList();

        var responses = await Task.WhenAll(bodies.Select(body => Task.Run(() => TestSchool.BookAsync(client, body))));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(9, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(1, await school.SessionCountAsync(app));
        var rows = await app.WithDbAsync(db => db.SessionPupils.CountAsync(p => p.SchoolId == school.SchoolId));
        Assert.Equal(1, rows);
    }

    [Fact]
    public async Task ConcurrentBookingsForDifferentTeachersAllSucceed()
    {
        var school = await TestSchool.CreateAsync(app);
        var slt = await school.SltAsync(app);
        var bodies = new[]
        {
            school.Booking(Thursday10, school.TwoParentPupil, school.Mother, teacher: school.TeacherId),
            school.Booking(Thursday10, school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId),
        };

        var responses = await Task.WhenAll(bodies.Select(body => Task.Run(() => TestSchool.BookAsync(slt, body))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(2, await school.SessionCountAsync(app));
    }
}

public sealed class ConflictApiOnSqlite(ChaperoneApp app) : ConflictApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class ConflictApiOnPostgres(PostgresChaperoneApp app) : ConflictApiTests(app), IClassFixture<PostgresChaperoneApp>;
