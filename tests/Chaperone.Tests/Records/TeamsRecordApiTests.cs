using System.Net;
using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Teams;

namespace Chaperone.Tests.Records;

/// <summary>A Teams session's record of intervention: attendance comes from Teams' attendance reports, with each person's role.</summary>
public abstract class TeamsRecordApiTests(TeamsApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TeamsAttendanceIsTheRecordsAttendanceWithJoinAndLeaveTimes()
    {
        var school = await TestSchool.CreateAsync(app);
        var user = await app.UseTeamsAsync(school);
        var (_, meetingId, _, _) = app.Graph.ServeMeeting(user);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Thursday10));
        var mother = await app.WithDbAsync(db => Task.FromResult(db.Guardians.Single(g => g.Id == school.Mother).Email));
        app.Graph.ServeAttendance(user, meetingId,
            [GraphOnLoopback.Record(user, "Tess Teacher", null, "Organizer", (Thursday10, Thursday10.AddMinutes(31))),
             GraphOnLoopback.Record(null, "Mia Mother", mother, "Attendee", (Thursday10.AddMinutes(1), Thursday10.AddMinutes(29))),
             GraphOnLoopback.Record(null, "Someone Else", "someone@elsewhere.test", "Attendee", (Thursday10.AddMinutes(5), Thursday10.AddMinutes(6)))]);
        await app.WithTeamsAsync(t => t.ReadAttendanceAsync(school.SchoolId, Guid.Parse(id), CancellationToken.None));

        var report = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/record-of-intervention?from=2026-12-03&to=2026-12-03"), HttpStatusCode.OK);

        var row = Assert.Single(report.GetProperty("rows").EnumerateArray());
        Assert.Equal("Tess Teacher (teacher) joined 10:00, left 10:31; Mia Mother (parent or carer) joined 10:01, left 10:29; Someone Else (not invited) joined 10:05, left 10:06",
            row.GetProperty("attended").GetString());
        Assert.Equal("Thursday 3 December 2026", row.GetProperty("date").GetString());
    }
}

public sealed class TeamsRecordApiOnSqlite(TeamsApp app) : TeamsRecordApiTests(app), IClassFixture<TeamsApp>;

public sealed class TeamsRecordApiOnPostgres(PostgresTeamsApp app) : TeamsRecordApiTests(app), IClassFixture<PostgresTeamsApp>;
