using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>Booking through the real HTTP API, on each database.</summary>
public abstract class BookingApiTests(ChaperoneApp app)
{
    // Monday 30 November 2026 08:00 UTC is "now"; Wednesday 2 December 10:00 is 50 hours on.
    private static readonly DateTimeOffset Wednesday10 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ValidBookingIsCreatedWithLocationAndLocalTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var response = await TestSchool.BookAsync(client, school.Booking(Wednesday10));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("scheduled", body.GetProperty("status").GetString());
        Assert.Equal("2026-12-02T10:00:00+00:00", body.GetProperty("startLocal").GetString());
        Assert.Equal($"/api/v1/sessions/{body.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        var fetched = await client.GetFromJsonAsync<JsonElement>(response.Headers.Location);
        Assert.Equal(body.GetProperty("id").GetString(), fetched.GetProperty("id").GetString());
    }

    [Fact]
    public async Task BookingUnder48HoursIsRefusedUnderClause8()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var start = app.Clock.GetUtcNow() + TimeSpan.FromHours(48) - TimeSpan.FromSeconds(1);

        var response = await TestSchool.BookAsync(client, school.Booking(start.AddSeconds(-start.Second)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("violations").EnumerateArray(),
            v => v.GetProperty("clause").GetInt32() == 8 && v.GetProperty("rule").GetString() == "minimum-notice");
    }

    [Fact]
    public async Task OverlappingBookingsOfTheSameTeacherPupilOrParentAreConflicts()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var other = await app.SignInAsync(school.OtherTeacherEmail, TestSchool.Password);
        Assert.Equal(HttpStatusCode.Created, (await TestSchool.BookAsync(teacher, school.Booking(Wednesday10, school.SiblingA, school.SharedParent))).StatusCode);

        // The same teacher, 15 minutes later, with another family.
        await AssertClashAsync(teacher, school.Booking(Wednesday10.AddMinutes(15)), "teacher");
        // Another teacher, the same pupil.
        await AssertClashAsync(other, school.Booking(Wednesday10, school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId), "pupil");
        // Another teacher and pupil, but the parent already supervising the sibling.
        await AssertClashAsync(other, school.Booking(Wednesday10.AddMinutes(20), school.SiblingB, school.SharedParent, teacher: school.OtherTeacherId), "guardian");
        // Back to back is not a clash.
        Assert.Equal(HttpStatusCode.Created, (await TestSchool.BookAsync(teacher, school.Booking(Wednesday10.AddMinutes(30)))).StatusCode);
    }

    private static async Task AssertClashAsync(HttpClient client, object booking, string role)
    {
        var response = await TestSchool.BookAsync(client, booking);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"({role})", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class BookingApiOnSqlite(ChaperoneApp app) : BookingApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class BookingApiOnPostgres(PostgresChaperoneApp app) : BookingApiTests(app), IClassFixture<PostgresChaperoneApp>;
