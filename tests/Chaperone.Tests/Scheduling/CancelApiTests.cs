using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>Cancelling: a reason is required, the session stays on record as cancelled.</summary>
public abstract class CancelApiTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Thursday10 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CancellingWithoutAReasonIs400NamingReason(string? reason)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var response = await Api.CancelAsync(client, id, reason);

        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(response));
        var session = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", session.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancellingWithAnEmptyBodyIs400()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var response = await Api.PostRawAsync(client, $"/api/v1/sessions/{id}/cancel", "");

        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CancelledSessionKeepsItsReasonAndStatus()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var cancelled = await Api.JsonAsync(await Api.CancelAsync(client, id, "  Pupil unwell  "), HttpStatusCode.OK);

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("Pupil unwell", cancelled.GetProperty("cancellation").GetProperty("reason").GetString());
        Assert.Equal(app.Clock.GetUtcNow(), cancelled.GetProperty("cancellation").GetProperty("at").GetDateTimeOffset());
        var fetched = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("cancelled", fetched.GetProperty("status").GetString());
        Assert.Equal(1, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task CancellingTwiceIsAConflictOfState()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(client, id, "first")).StatusCode);

        var response = await Api.CancelAsync(client, id, "second");

        await Api.ProblemAsync(response, HttpStatusCode.Conflict);
        var fetched = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("first", fetched.GetProperty("cancellation").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ASeniorLeaderCanCancelATeachersSession()
    {
        var school = await TestSchool.CreateAsync(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Thursday10));

        var response = await Api.CancelAsync(await school.SltAsync(app), id, "Staff training");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CancellingAnUnknownSessionIs404()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        await Api.ProblemAsync(await Api.CancelAsync(client, Guid.NewGuid().ToString()), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await Api.CancelAsync(client, "garbage"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnOverlongReasonIs400NamingReason()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var response = await client.PostAsJsonAsync($"/api/v1/sessions/{id}/cancel", new { reason = new string('x', 100_000) });

        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(response));
    }

    [Theory]
    [InlineData("Snow\u0000day")]
    [InlineData("Bell \u0007 rang")]
    public async Task AReasonWithControlCharactersIsRefusedNotAnError(string reason)
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));

        var response = await Api.CancelAsync(client, id, reason);

        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(response));
        var fetched = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("scheduled", fetched.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AReasonInAnyLanguageIsKeptAsWritten()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Thursday10));
        const string reason = "Salwch — 病気 — 🤒 'O''Brien'; DROP TABLE \"Sessions\"; --";

        var cancelled = await Api.JsonAsync(await Api.CancelAsync(client, id, reason), HttpStatusCode.OK);

        Assert.Equal(reason, cancelled.GetProperty("cancellation").GetProperty("reason").GetString());
        Assert.Equal(1, await school.SessionCountAsync(app));
    }
}

public sealed class CancelApiOnSqlite(ChaperoneApp app) : CancelApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class CancelApiOnPostgres(PostgresChaperoneApp app) : CancelApiTests(app), IClassFixture<PostgresChaperoneApp>;
