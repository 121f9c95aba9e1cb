using System.Net.Http.Json;
using System.Net;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// The embedded default (no SMTP host): messages land as .eml files in the data directory; staff
/// see each session's emails through the API and the pages; the calendar feed and the school's
/// own wording.
/// </summary>
public abstract class NotificationsApiTests(ChaperoneApp app)
{
    private DateTimeOffset Soon(int hour = 10) => Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), hour);

    private async Task<System.Text.Json.JsonElement> SentNotificationsAsync(HttpClient client, string id, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}/notifications"), HttpStatusCode.OK);
            var booked = list.EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "booked").ToList();
            if (booked.Count == count && booked.All(n => n.GetProperty("status").GetString() == "sent"))
            {
                return list;
            }
            Assert.True(DateTime.UtcNow < until, "The booking's emails were not all sent in time.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task WithNoMailServerEachEmailIsWrittenOnceAsAnEmlFileAndListedAsSent()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Soon()));

        var list = await SentNotificationsAsync(client, id, 2);

        var booked = list.EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "booked").ToList();
        Assert.Equal(["guardian", "teacher"], booked.Select(n => n.GetProperty("recipientRole").GetString()).Order());
        // Reminders are written when they fall due (ReminderTests), not with the booking.
        Assert.Equal(0, list.EnumerateArray().Count(n => n.GetProperty("kind").GetString()!.StartsWith("reminder", StringComparison.Ordinal)));
        var files = Directory.GetFiles(Path.Combine(app.DataDirectory, "mail"), "*.eml");
        foreach (var n in booked)
        {
            var messageId = n.GetProperty("messageId").GetString();
            var matching = files.Select(f => MimeMessage.Load(f)).Where(m => m.MessageId == messageId).ToList();
            var message = Assert.Single(matching);
            Assert.Equal(n.GetProperty("recipientEmail").GetString(), message.To.Mailboxes.Single().Address);
        }
    }

    [Fact]
    public async Task AnotherSchoolsSessionHasNoNotificationsToShow()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Soon()));

        var response = await (await other.SltAsync(app)).GetAsync($"/api/v1/sessions/{id}/notifications");

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheOutboxAndSessionPagesShowTheEmailsAndOneMessageOpens()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(client, school.Booking(Soon()));
        var list = await SentNotificationsAsync(client, id, 2);
        var first = list.EnumerateArray().First(n => n.GetProperty("recipientRole").GetString() == "guardian" && n.GetProperty("kind").GetString() == "booked");

        var outbox = await client.GetStringAsync("/outbox");
        var details = await client.GetStringAsync($"/sessions/{id}");
        var message = await client.GetStringAsync($"/outbox/{first.GetProperty("id").GetString()}");
        var eml = await client.GetAsync($"/outbox/{first.GetProperty("id").GetString()}?handler=Eml");

        Assert.Contains(first.GetProperty("recipientEmail").GetString()!, outbox);
        Assert.Contains(".eml", outbox);
        Assert.Contains("Emails to the family", details);
        Assert.Contains(first.GetProperty("recipientEmail").GetString()!, details);
        Assert.Contains("It is not a bedroom.", message);
        Assert.Contains("sent", message);
        Assert.Equal("message/rfc822", eml.Content.Headers.ContentType?.MediaType);
        // Another school's member of staff cannot open it.
        var stranger = await (await TestSchool.CreateAsync(app)).SltAsync(app);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/outbox/{first.GetProperty("id").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task ATeachersCalendarFeedListsTheirSessionsUntilRevoked()
    {
        var school = await TestSchool.CreateAsync(app);
        var client = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(client, school.Booking(start));
        var feed = await Api.JsonAsync(await client.PostAsync("/api/v1/calendar-feed", null), HttpStatusCode.OK);
        var url = new Uri(feed.GetProperty("url").GetString()!);
        var anonymous = Api.AnonymousClient(app);

        var response = await anonymous.GetAsync(url.PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var calendar = Ical.Net.Calendar.Load(await response.Content.ReadAsStringAsync())!;
        var ev = Assert.Single(calendar.Events);
        Assert.Equal($"{id.Replace("-", "")}@chaperone", ev.Uid);
        Assert.Equal(start.UtcDateTime, ev.DtStart!.AsUtc);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/calendar-feed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(url.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/calendar/" + new string('A', 43) + ".ics")).StatusCode);
    }

    [Fact]
    public async Task TheSchoolsWordingIsUsedAndThePolicyPartsStayIn()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        // A booking before the change, so that the wording it used is what a later booking could reuse.
        await TestSchool.BookOkAsync(teacher, school.Booking(Soon().AddHours(2)));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var templates = scope.ServiceProvider.GetRequiredService<MessageTemplates>();
            await templates.SaveAsync(await TestSchool.PrincipalAsync(scope.ServiceProvider, school.AdminId), MessageKind.Booked, new MessageWording("Hello {recipient}, from {school}!", "Bye for now."), CancellationToken.None);
        }
        var text = await BookedTextAsync(await TestSchool.BookOkAsync(teacher, school.Booking(Soon())));

        Assert.Contains("Hello Mia Mother, from Test school", text);
        Assert.Contains("Bye for now.", text);
        foreach (var required in new[] { "It is not a bedroom.", "gives consent at the start", "recorded", "dressed appropriately", "What we expect", "/family/", "(UK time)" })
        {
            Assert.Contains(required, text);
        }
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MessageTemplates>().ResetAsync(await TestSchool.PrincipalAsync(scope.ServiceProvider, school.AdminId), MessageKind.Booked, CancellationToken.None);
        }
        var reset = await BookedTextAsync(await TestSchool.BookOkAsync(teacher, school.Booking(Soon().AddHours(1))));
        Assert.DoesNotContain("Hello Mia Mother, from Test school", reset);
        Assert.Contains("It is not a bedroom.", reset);
        // Both changes are in the audit trail, with who made them.
        var trail = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SchoolId == school.SchoolId && e.ActorId == school.AdminId).Select(e => e.Action).ToListAsync());
        Assert.Contains(Chaperone.Audit.AuditActions.MessageWordingChanged, trail);
        Assert.Contains(Chaperone.Audit.AuditActions.MessageWordingReset, trail);
    }

    [Fact]
    public async Task TheSchoolsExpectationsOfFamiliesAreListedInTheBookingEmailAndABookingKeepsTheListItWasSentWith()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        using var admin = await school.AdminAsync(app);
        var before = await TestSchool.BookOkAsync(teacher, school.Booking(Soon().AddHours(2)));

        var saved = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { expectationsForFamilies = "  Log in five minutes early.\r\n\r\nKeep a glass of water to hand.  \n" });

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var policy = await saved.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(["Log in five minutes early.", "Keep a glass of water to hand."],
            policy.GetProperty("expectations").GetProperty("forFamilies").EnumerateArray().Select(e => e.GetString()!));
        var after = await BookedTextAsync(await TestSchool.BookOkAsync(teacher, school.Booking(Soon())));
        Assert.Contains("Keep a glass of water to hand.", after);
        Assert.DoesNotContain("Be ready in the agreed room", after);
        // The booking made before the change is sent as it was written: with the policy's list.
        Assert.Contains("Be ready in the agreed room", await BookedTextAsync(before));

        var tooMany = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { expectationsForFamilies = string.Join('\n', Enumerable.Range(1, 13).Select(i => $"Expectation {i}.")) });
        Assert.Equal(["expectationsForFamilies"], await Api.BadRequestFieldsAsync(tooMany));
        var back = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { expectationsForFamilies = "" });
        Assert.Contains("Be ready in the agreed room",
            (await back.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("expectations").GetProperty("forFamilies")[0].GetString(), StringComparison.Ordinal);
    }

    /// <summary>The plain text of the booking email to the parent of session <paramref name="id"/>.</summary>
    private async Task<string> BookedTextAsync(string id)
    {
        var sessionId = Guid.Parse(id);
        var row = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.SessionId == sessionId && m.Kind == MessageKind.Booked && m.RecipientRole == "guardian").SingleAsync());
        using var mime = app.Services.GetRequiredService<MessageComposer>().Render(row);
        return mime.TextBody!;
    }

    [Theory]
    [InlineData("", "Bye", "opening")]
    [InlineData("Hello {name}", "Bye", "opening")]
    [InlineData("Hello", "Bye\u0000", "closing")]
    public void WordingThatCannotBeSentIsRefusedNamingTheParagraph(string opening, string closing, string field) =>
        Assert.Equal([field], MessageTemplates.Check(opening, closing).Keys);
}

public sealed class NotificationsApiOnSqlite(ChaperoneApp app) : NotificationsApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class NotificationsApiOnPostgres(PostgresChaperoneApp app) : NotificationsApiTests(app), IClassFixture<PostgresChaperoneApp>;

/// <summary>The calendar feeds open without an account, so they are rate-limited per client address (their own app, so no other test shares the budget).</summary>
public sealed class CalendarFeedRateLimitTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task TooManyFeedRequestsFromOneAddressGet429AndAFeedStillAnswersWithinTheLimit()
    {
        var school = await TestSchool.CreateAsync(app);
        using var teacher = await school.TeacherAsync(app);
        var feed = await Api.JsonAsync(await teacher.PostAsync("/api/v1/calendar-feed", null), HttpStatusCode.OK);
        var path = new Uri(feed.GetProperty("url").GetString()!).PathAndQuery;
        var anonymous = Api.AnonymousClient(app);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
        for (var i = 1; i < Chaperone.Identity.RateLimits.CalendarRequestsPerMinute; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/calendar/guess-{i}.ics")).StatusCode);
        }
        var refused = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.DoesNotContain("BEGIN:VCALENDAR", await refused.Content.ReadAsStringAsync());
    }
}
