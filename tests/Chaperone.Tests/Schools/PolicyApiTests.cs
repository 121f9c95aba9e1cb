using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Schools;

/// <summary>The policy as the API shows it, and the admin's settings and closures taking effect on booking.</summary>
public abstract class PolicyApiTests(ChaperoneApp app)
{
    private static readonly DateTimeOffset Wednesday10 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PolicyHasTheShapeApiMdFixes()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);

        var policy = await Api.JsonAsync(await client.GetAsync("/api/v1/policy"), HttpStatusCode.OK);

        Assert.Equal("Europe/London", policy.GetProperty("timeZone").GetString());
        Assert.Equal("09:00", policy.GetProperty("schoolHours").GetProperty("start").GetString());
        Assert.Equal("15:00", policy.GetProperty("schoolHours").GetProperty("end").GetString());
        Assert.Equal(JsonValueKind.Number, policy.GetProperty("minimumNoticeHours").ValueKind);
        Assert.Equal(48, policy.GetProperty("minimumNoticeHours").GetInt32());
        Assert.Equal(3, policy.GetProperty("minimumParticipants").GetInt32());
        Assert.Equal(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            policy.GetProperty("schoolDays").EnumerateArray().Select(d => d.GetString()!).ToArray());
        var clauses = policy.GetProperty("clauses").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 12), clauses.Select(c => c.GetProperty("number").GetInt32()));
        Assert.All(clauses, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("text").GetString()));
        });
        Assert.Contains("48 hours", clauses[7].GetProperty("text").GetString()!, StringComparison.Ordinal);
        Assert.Contains("09.00 - 15:00", clauses[2].GetProperty("text").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosureAddedByTheAdminRefusesBookingsThatDayUnderClause3()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);

        var created = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-02", lastDay = "2026-12-03", reason = "INSET days" });
        var onFirst = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10));
        var onLast = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10.AddDays(1)));
        var after = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10.AddDays(2)));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains((3, "school-closed"), await Api.ViolationsAsync(onFirst));
        Assert.Contains((3, "school-closed"), await Api.ViolationsAsync(onLast));
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(1, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task BookingsFollowClosuresAddedAndRemovedAfterTheSettingsWereLastRead()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        // A booking first, so the school's settings have been read (and may be kept) before they change.
        await TestSchool.BookOkAsync(teacher, school.Booking(Wednesday10));

        var created = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-03", lastDay = "2026-12-03", reason = "INSET day" }), HttpStatusCode.Created);
        var whileClosed = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10.AddDays(1)));
        var removed = await admin.DeleteAsync($"/api/v1/policy/closures/{created.GetProperty("id").GetString()}");
        var reopened = await TestSchool.BookAsync(teacher, school.Booking(Wednesday10.AddDays(1)));

        Assert.Contains((3, "school-closed"), await Api.ViolationsAsync(whileClosed));
        Assert.True(removed.IsSuccessStatusCode, $"{removed.StatusCode}");
        Assert.Equal(HttpStatusCode.Created, reopened.StatusCode);
        Assert.Equal(2, await school.SessionCountAsync(app));
    }

    [Fact]
    public async Task SessionsBookedBeforeAClosureAreShownWithItAndCanBeCancelledWithTheFamiliesEmailed()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var onTheDay = await TestSchool.BookOkAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero)));
        var dayAfter = await TestSchool.BookOkAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero)));
        var admin = await school.AdminAsync(app);

        var created = await Api.JsonAsync(await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-03", reason = "INSET day" }), HttpStatusCode.Created);
        var closure = created.GetProperty("id").GetString()!;

        Assert.Equal([onTheDay], created.GetProperty("sessionsBooked").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal([onTheDay], (await Api.JsonAsync(await admin.GetAsync($"/api/v1/policy/closures/{closure}/sessions"), HttpStatusCode.OK)).EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PostAsync($"/api/v1/policy/closures/{closure}/cancel-sessions", null)).StatusCode);
        await Api.ProblemAsync(await admin.PostAsync($"/api/v1/policy/closures/{Guid.NewGuid()}/cancel-sessions", null), HttpStatusCode.NotFound);
        var elsewhere = await TestSchool.CreateAsync(app);
        await Api.ProblemAsync(await (await elsewhere.AdminAsync(app)).PostAsync($"/api/v1/policy/closures/{closure}/cancel-sessions", null), HttpStatusCode.NotFound);

        var cancelled = await Api.JsonAsync(await admin.PostAsync($"/api/v1/policy/closures/{closure}/cancel-sessions", null), HttpStatusCode.OK);

        Assert.Equal([onTheDay], cancelled.GetProperty("cancelled").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        var session = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{onTheDay}"), HttpStatusCode.OK);
        Assert.Equal("cancelled", session.GetProperty("status").GetString());
        Assert.Equal("scheduled", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{dayAfter}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        var toMother = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.SessionId == Guid.Parse(onTheDay) && m.Kind == Chaperone.Notifications.MessageKind.Cancelled && m.RecipientEmail!.StartsWith("mia.")).CountAsync());
        Assert.Equal(1, toMother);
        var reason = await app.WithDbAsync(db => db.Sessions.Where(s => s.Id == Guid.Parse(onTheDay)).Select(s => s.CancellationReason).SingleAsync());
        Assert.Equal("The school is closed that day (INSET day).", reason);
        Assert.Empty((await Api.JsonAsync(await admin.GetAsync($"/api/v1/policy/closures/{closure}/sessions"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task ClosuresOfOneSchoolDoNotCloseAnother()
    {
        var closed = await TestSchool.CreateAsync(app);
        var open = await TestSchool.CreateAsync(app);
        var admin = await closed.AdminAsync(app);
        Assert.Equal(HttpStatusCode.Created,
            (await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-02", reason = "Snow" })).StatusCode);

        var response = await TestSchool.BookAsync(await open.TeacherAsync(app), open.Booking(Wednesday10));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task InvalidClosuresAndSettingsAre400NamingTheField()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var noReason = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-02" });
        var backwards = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-04", lastDay = "2026-12-02", reason = "x" });
        var badDate = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-13-01", reason = "x" });
        var badHours = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { schoolHours = new { start = "15:00", end = "09:00" } });
        var badZone = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { timeZone = "Mars/Olympus_Mons" });
        var badDay = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { schoolDays = new[] { "Funday" } });
        var emptyDay = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { schoolDays = new[] { "Monday", null, "" } });
        // The calendar's far ends: the day after 9999-12-31 cannot be computed, nor a closure in year 1 meant.
        var farFuture = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "9999-12-31", reason = "x" });
        var farPast = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "0001-01-01", lastDay = "0001-01-02", reason = "x" });

        Assert.Contains("reason", await Api.BadRequestFieldsAsync(noReason));
        Assert.Contains("lastDay", await Api.BadRequestFieldsAsync(backwards));
        Assert.Contains("firstDay", await Api.BadRequestFieldsAsync(badDate));
        Assert.Contains("schoolHours.end", await Api.BadRequestFieldsAsync(badHours));
        Assert.Contains("timeZone", await Api.BadRequestFieldsAsync(badZone));
        Assert.Contains("schoolDays", await Api.BadRequestFieldsAsync(badDay));
        Assert.Contains("schoolDays", await Api.BadRequestFieldsAsync(emptyDay));
        Assert.Equal(["firstDay", "lastDay"], (await Api.BadRequestFieldsAsync(farFuture)).Order());
        Assert.Equal(["firstDay", "lastDay"], (await Api.BadRequestFieldsAsync(farPast)).Order());
        var policy = await Api.JsonAsync(await admin.GetAsync("/api/v1/policy"), HttpStatusCode.OK);
        Assert.Equal("Europe/London", policy.GetProperty("timeZone").GetString());
        Assert.Equal("09:00", policy.GetProperty("schoolHours").GetProperty("start").GetString());
        Assert.Empty(policy.GetProperty("closures").EnumerateArray());
    }

    [Fact]
    public async Task AClosureIsEchoedAsStoredAndAReasonWithControlCharactersIsRefused()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);

        var created = await Api.JsonAsync(
            await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = " 2026-12-02 ", reason = "  Snow day  " }), HttpStatusCode.Created);
        var nul = await admin.PostAsJsonAsync("/api/v1/policy/closures", new { firstDay = "2026-12-03", reason = "Snow\u0000day" });

        Assert.Equal("2026-12-02", created.GetProperty("firstDay").GetString());
        Assert.Equal("2026-12-02", created.GetProperty("lastDay").GetString());
        Assert.Equal("Snow day", created.GetProperty("reason").GetString());
        Assert.Equal(["reason"], await Api.BadRequestFieldsAsync(nul));
        var policy = await Api.JsonAsync(await admin.GetAsync("/api/v1/policy"), HttpStatusCode.OK);
        var closure = Assert.Single(policy.GetProperty("closures").EnumerateArray());
        // The policy lists it as the answer gave it (which also listed the sessions already booked on its days: none).
        Assert.Equal(["id", "firstDay", "lastDay", "reason"], closure.EnumerateObject().Select(p => p.Name));
        Assert.All(closure.EnumerateObject(), p => Assert.Equal(p.Value.GetRawText(), created.GetProperty(p.Name).GetRawText()));
        Assert.Empty(created.GetProperty("sessionsBooked").EnumerateArray());
    }

    [Fact]
    public async Task SessionsBookedBeforeTheHoursOrDaysChangedAreShownWithWhatIsWrong()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var afternoon = await TestSchool.BookOkAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 2, 14, 15, 0, TimeSpan.Zero)));
        var morning = await TestSchool.BookOkAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero)));
        var friday = await TestSchool.BookOkAsync(teacher, school.Booking(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero)));
        var admin = await school.AdminAsync(app);
        Assert.Empty((await Api.JsonAsync(await admin.GetAsync("/api/v1/policy/sessions-outside-school-time"), HttpStatusCode.OK)).EnumerateArray());

        // The school day now ends at 14:00, and Friday is no longer a school day.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/policy/settings", new
        {
            schoolHours = new { start = "09:00", end = "14:00" },
            schoolDays = new[] { "Monday", "Tuesday", "Wednesday", "Thursday" },
        })).StatusCode);

        var outside = (await Api.JsonAsync(await admin.GetAsync("/api/v1/policy/sessions-outside-school-time"), HttpStatusCode.OK)).EnumerateArray().ToList();
        Assert.Equal([afternoon, friday], outside.Select(o => o.GetProperty("session").GetProperty("id").GetString()));
        Assert.Contains("must lie within school hours (09:00–14:00", outside[0].GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Contains("Friday 4 December 2026 is not a school day.", outside[1].GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(outside, o => o.GetProperty("session").GetProperty("id").GetString() == morning);
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.GetAsync("/api/v1/policy/sessions-outside-school-time")).StatusCode);
        // Another school's admin sees none of them.
        Assert.Empty((await Api.JsonAsync(await (await (await TestSchool.CreateAsync(app)).AdminAsync(app)).GetAsync("/api/v1/policy/sessions-outside-school-time"), HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task LongerSchoolHoursSetByTheAdminAllowAnEarlierStart()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        var at0830 = new DateTimeOffset(2026, 12, 2, 8, 30, 0, TimeSpan.Zero);
        Assert.Contains((3, "school-hours"), await Api.ViolationsAsync(await TestSchool.BookAsync(teacher, school.Booking(at0830))));

        var put = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { schoolHours = new { start = "08:30", end = "15:30" } });
        var response = await TestSchool.BookAsync(teacher, school.Booking(at0830));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

public sealed class PolicyApiOnSqlite(ChaperoneApp app) : PolicyApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class PolicyApiOnPostgres(PostgresChaperoneApp app) : PolicyApiTests(app), IClassFixture<PostgresChaperoneApp>;
