using System.Net;
using Chaperone.Families;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Ical.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// Clause 8 end to end: a booking's emails reach a real SMTP server on loopback, with the right
/// time in their calendar invite; nothing is lost or sent as a second message when the worker
/// dies mid-send or the server is down for a while.
/// </summary>
public abstract class EmailDeliveryTests(SmtpChaperoneApp app)
{
    private DateTimeOffset Soon(int hour = 10) => Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), hour);

    private static TextPart CalendarPart(MimeMessage m) =>
        m.BodyParts.OfType<TextPart>().Single(p => p.ContentType.IsMimeType("text", "calendar"));

    private static Calendar InviteOf(MimeMessage m) => Calendar.Load(CalendarPart(m).Text)!;

    [Fact]
    public async Task ABookingEmailsEachParentAndTheTeacherWithAnInviteAtTheBookedTime()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(teacher, new
        {
            teacherId = school.TeacherId.ToString(), pupilIds = new[] { school.TwoParentPupil.ToString() },
            guardianIds = new[] { school.Mother.ToString(), school.Father.ToString() }, kind = "support", start = Api.Rfc3339(start), durationMinutes = 30,
        });

        var received = (await app.Smtp.WaitForAsync(r => r.Count(m => m.Headers["X-Chaperone-Session"] == id) >= 3)).Where(m => m.Headers["X-Chaperone-Session"] == id).ToList();

        Assert.Equal(3, received.Count);
        var recipients = received.Select(m => m.To.Mailboxes.Single().Address).Order().ToList();
        Assert.Equal(new[] { school.TeacherEmail }.Concat(received.Select(m => m.To.Mailboxes.Single().Address).Where(a => a.Contains("@family.test"))).Order(), recipients);
        Assert.Equal(2, recipients.Count(a => a.EndsWith("@family.test", StringComparison.Ordinal)));
        foreach (var message in received)
        {
            // Published, with nobody asked to reply (RFC 5546, 3.2.1): no "Accept" or "Decline" that would reach nobody.
            Assert.Equal("PUBLISH", CalendarPart(message).ContentType.Parameters["method"]);
            var invite = InviteOf(message);
            Assert.Equal("PUBLISH", invite.Method);
            var ev = invite.Events.Single();
            Assert.Empty(ev.Attendees);
            Assert.DoesNotContain("RSVP", CalendarPart(message).Text, StringComparison.Ordinal);
            Assert.Equal("mailto:chaperone@school.test", ev.Organizer!.Value!.ToString());
            Assert.Equal($"{id.Replace("-", "")}@chaperone", ev.Uid);
            Assert.Equal(0, ev.Sequence);
            Assert.Equal("Europe/London", ev.DtStart!.TzId);
            Assert.Equal(start.UtcDateTime, ev.DtStart.AsUtc);
            Assert.Equal(start.AddMinutes(30).UtcDateTime, ev.DtEnd!.AsUtc);
            Assert.Single(invite.TimeZones, z => z.TzId == "Europe/London");
            var text = message.TextBody;
            Assert.Contains("It is not a bedroom.", text);
            Assert.Contains("television and other devices will be switched off", text);
            Assert.Contains("gives consent at the start", text);
            Assert.Contains("recorded", text);
            Assert.Contains("deleted when face-to-face teaching resumes", text);
            Assert.Contains("dressed appropriately", text);
            Assert.Contains("UK time", text);
            Assert.Contains(Api.InLondon(start.Year, start.Month, start.Day, 10) == start ? "10:00–10:30" : "", text);
            Assert.Contains("Test school", message.From.Mailboxes.Single().Name);
            Assert.NotNull(message.HtmlBody);
        }
        // Each parent's link opens their own page of this session.
        var links = app.Services.GetRequiredService<FamilyLinks>();
        foreach (var message in received.Where(m => m.To.Mailboxes.Single().Address.EndsWith("@family.test", StringComparison.Ordinal)))
        {
            var url = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? "", @"https?://\S+/family/(\S+)").Groups[1].Value;
            var token = links.Read(url);
            Assert.NotNull(token);
            Assert.Equal(Guid.Parse(id), token.SessionId);
            Assert.Contains(token.GuardianId, new[] { school.Mother, school.Father });
        }
    }

    [Theory]
    [InlineData(2027, 3, 26)] // Friday before the clocks go forward (GMT)
    [InlineData(2027, 3, 29)] // Monday after (BST)
    [InlineData(2027, 10, 29)] // Friday before the clocks go back (BST)
    [InlineData(2027, 11, 1)] // Monday after (GMT)
    public async Task TheInvitesTimeIsTheBookedSchoolTimeOnEitherSideOfAClockChange(int year, int month, int day)
    {
        var school = await TestSchool.CreateAsync(app);
        var start = Api.InLondon(year, month, day, 10);
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));

        var message = (await app.Smtp.WaitForAsync(r => r.Any(m => m.Headers["X-Chaperone-Session"] == id && m.To.Mailboxes.Single().Address.EndsWith("@family.test", StringComparison.Ordinal))))
            .First(m => m.Headers["X-Chaperone-Session"] == id && m.To.Mailboxes.Single().Address.EndsWith("@family.test", StringComparison.Ordinal));

        var ev = InviteOf(message).Events.Single();
        Assert.Equal(10, ev.DtStart!.Hour);
        Assert.Equal("Europe/London", ev.DtStart.TzId);
        Assert.Equal(start.UtcDateTime, ev.DtStart.AsUtc);
        Assert.Contains("10:00–10:30 (UK time)", message.TextBody);
    }

    [Fact]
    public async Task AMoveKeepsTheInvitesUidWithAHigherSequenceAndACancellationPublishesItCancelled()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Soon()));
        var moved = Soon(13);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, moved)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, id, "Pupil unwell")).StatusCode);

        var received = (await app.Smtp.WaitForAsync(r => r.Count(m => m.Headers["X-Chaperone-Session"] == id) >= 6))
            .Where(m => m.Headers["X-Chaperone-Session"] == id && m.To.Mailboxes.Single().Address.EndsWith("@family.test", StringComparison.Ordinal))
            .Select(m => (Message: m, Invite: InviteOf(m)))
            .OrderBy(x => x.Invite.Events.Single().Sequence)
            .ToList();

        Assert.Equal(["PUBLISH", "PUBLISH", "PUBLISH"], received.Select(x => x.Invite.Method));
        Assert.All(received, x => Assert.Empty(x.Invite.Events.Single().Attendees));
        Assert.Single(received.Select(x => x.Invite.Events.Single().Uid).Distinct());
        var sequences = received.Select(x => x.Invite.Events.Single().Sequence).ToList();
        Assert.True(sequences[0] < sequences[1] && sequences[1] < sequences[2], string.Join(",", sequences));
        Assert.Equal(moved.UtcDateTime, received[1].Invite.Events.Single().DtStart!.AsUtc);
        Assert.Equal("CANCELLED", received[2].Invite.Events.Single().Status);
        Assert.Contains("Pupil unwell", received[2].Message.TextBody ?? "");
        Assert.Equal("PUBLISH", CalendarPart(received[2].Message).ContentType.Parameters["method"]);
        Assert.Equal(["CONFIRMED", "CONFIRMED"], received.Take(2).Select(x => x.Invite.Events.Single().Status));
    }

    [Fact]
    public async Task ARecipientTheServerRefusesIsADeliveryProblemAfterOneAttempt()
    {
        var school = await TestSchool.CreateAsync(app);
        var refused = await app.WithDbAsync(db => db.Guardians.Where(g => g.Id == school.Mother).Select(g => g.Email!).SingleAsync());
        app.Smtp.Refuses = a => a == refused;
        try
        {
            var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Soon()));
            var sessionId = Guid.Parse(id);

            var failed = await WaitForRowAsync(sessionId, m => m.RecipientEmail == refused && m.Status == MessageStatus.Failed);

            Assert.Equal(1, failed.Attempts);
            Assert.Contains("550", failed.LastError);
            var attempts = await app.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.OutboxMessageId == failed.Id).ToListAsync());
            Assert.Equal("refused", Assert.Single(attempts).Outcome);
            // The teacher's copy still went.
            await app.Smtp.WaitForAsync(r => r.Any(m => m.Headers["X-Chaperone-Session"] == id && m.To.Mailboxes.Single().Address == school.TeacherEmail));
            // Staff see it: on the admin's delivery problems (API and page) and on the session's page.
            var admin = await school.AdminAsync(app);
            var problems = await Api.JsonAsync(await admin.GetAsync("/api/v1/notifications/problems"), HttpStatusCode.OK);
            Assert.Contains(problems.EnumerateArray(), p => p.GetProperty("recipientEmail").GetString() == refused && p.GetProperty("status").GetString() == "failed");
            Assert.Contains(refused, await admin.GetStringAsync("/admin/delivery-problems"));
            var details = await (await school.TeacherAsync(app)).GetStringAsync($"/sessions/{id}");
            Assert.Contains("could not be delivered", details);
            Assert.Equal(HttpStatusCode.Forbidden, (await (await school.TeacherAsync(app)).GetAsync("/api/v1/notifications/problems")).StatusCode);
        }
        finally
        {
            app.Smtp.Refuses = _ => false;
        }
    }

    [Fact]
    public async Task ARecipientTheServerDefersIsTriedAgainAndArrivesOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var deferred = await app.WithDbAsync(db => db.Guardians.Where(g => g.Id == school.Mother).Select(g => g.Email!).SingleAsync());
        app.Smtp.Defers = a => a == deferred;
        string id;
        try
        {
            id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Soon()));
            var first = await WaitForRowAsync(Guid.Parse(id), m => m.RecipientEmail == deferred && m.Kind == MessageKind.Booked && m.Attempts == 1);
            Assert.Equal(MessageStatus.Pending, first.Status);
            Assert.Contains("450", first.LastError);
            Assert.True(first.NextAttemptAt > app.Clock.GetUtcNow(), "The retry waits for its back-off.");
        }
        finally
        {
            app.Smtp.Defers = _ => false;
        }
        app.Clock.Advance(TimeSpan.FromMinutes(2)); // past the first back-off

        var sent = await WaitForRowAsync(Guid.Parse(id), m => m.RecipientEmail == deferred && m.Kind == MessageKind.Booked && m.Status == MessageStatus.Sent);
        Assert.Equal(2, sent.Attempts);
        Assert.Single(app.Smtp.ForSession(id), m => m.MessageId == sent.MessageIdHeader);
        var outcomes = await app.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.OutboxMessageId == sent.Id).OrderBy(a => a.At).Select(a => a.Outcome).ToListAsync());
        Assert.Equal(["deferred", "sent"], outcomes);
    }

    [Fact]
    public async Task AWorkerKilledMidSendLeavesEveryMessageDeliveredUnderItsOneMessageId()
    {
        var school = await TestSchool.CreateAsync(app);
        var worker = app.Services.GetServices<IHostedService>().OfType<OutboxWorker>().Single();
        var holding = app.Smtp.HoldNext();
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), new
        {
            teacherId = school.TeacherId.ToString(), pupilIds = new[] { school.TwoParentPupil.ToString() },
            guardianIds = new[] { school.Mother.ToString(), school.Father.ToString() }, kind = "support", start = Api.Rfc3339(Soon()), durationMinutes = 30,
        });
        var sessionId = Guid.Parse(id);

        // The server has the message's data and is holding its reply: the worker dies now.
        await holding.WaitAsync(TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        app.Smtp.Release();
        var unmarked = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.SessionId == sessionId && m.Kind == MessageKind.Booked && m.Status == MessageStatus.Pending)
            .Select(m => m.MessageIdHeader).ToListAsync());
        Assert.NotEmpty(unmarked); // at least the message whose reply never came

        await worker.StartAsync(CancellationToken.None);
        app.Clock.Advance(TimeSpan.FromMinutes(6)); // past the dead worker's lease

        var expected = await WaitForAllSentAsync(sessionId, MessageKind.Booked, 3);
        var delivered = app.Smtp.ForSession(id).GroupBy(m => m.MessageId ?? "").ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expected.Order(), delivered.Keys.Order());
        // A resend is the same message: same Message-Id, same bytes.
        foreach (var copies in delivered.Values.Where(c => c.Count > 1))
        {
            Assert.Single(copies.Select(c => c.TextBody).Distinct());
        }
        // Only a message in flight when the worker died (not yet marked sent) may have gone out twice.
        Assert.All(delivered.Where(d => d.Value.Count > 1), d => Assert.Contains(d.Key, unmarked));
        Assert.All(delivered.Values, copies => Assert.InRange(copies.Count, 1, 2));
    }

    [Fact]
    public async Task MailQueuedWhileTheServerIsDownArrivesOnceItIsBack()
    {
        var school = await TestSchool.CreateAsync(app);
        await app.Smtp.StopAsync();
        string id;
        try
        {
            id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Soon()));
            var sessionId = Guid.Parse(id);
            // Both booking messages (parent and teacher) tried and put back, none still in a worker's hands:
            // from here on only the clock moving past their back-off brings them out again.
            await WaitForRowsAsync(sessionId, rows => rows.Count(m => m.Kind == MessageKind.Booked && m.Attempts >= 1 && m.LeaseToken == null) == 2);
            var attempts = await app.WithDbAsync(db => db.DeliveryAttempts.Where(a => db.OutboxMessages.Any(m => m.Id == a.OutboxMessageId && m.SessionId == sessionId)).ToListAsync());
            Assert.All(attempts, a => Assert.Equal("deferred", a.Outcome));
        }
        finally
        {
            await app.Smtp.StartAsync();
        }
        app.Clock.Advance(TimeSpan.FromMinutes(2)); // past the first back-off

        var expected = await WaitForAllSentAsync(Guid.Parse(id), MessageKind.Booked, 2);
        var delivered = app.Smtp.ForSession(id).Select(m => m.MessageId).ToList();
        Assert.Equal(expected.Order(), delivered.Order());
    }

    [Fact]
    public async Task TwoInstancesOnOneDatabaseSendEveryMessageExactlyOnce()
    {
        await using var second = app.WithWebHostBuilder(_ => { });
        _ = second.Services;
        var school = await TestSchool.CreateAsync(app);
        var viaFirst = await school.TeacherAsync(app);
        var secondClient = second.CreateClient();
        var login = await secondClient.PostAsync("/api/v1/auth/login", System.Net.Http.Json.JsonContent.Create(new { email = school.OtherTeacherEmail, password = TestSchool.Password }));
        var token = System.Text.Json.JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString();
        secondClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        // Ten sessions through each instance, at once (different pupils and days, so none clash).
        var day = Soon();
        var bookings = new List<Task<string>>();
        for (var i = 0; i < 10; i++, day = Api.NextWeekdayAt(day.AddDays(1), 10))
        {
            bookings.Add(TestSchool.BookOkAsync(viaFirst, school.Booking(day)));
            bookings.Add(TestSchool.BookOkAsync(secondClient, school.Booking(day, school.SiblingA, school.SharedParent, teacher: school.OtherTeacherId)));
        }
        var ids = await Task.WhenAll(bookings);

        var expected = new List<string>();
        foreach (var id in ids)
        {
            expected.AddRange(await WaitForAllSentAsync(Guid.Parse(id), MessageKind.Booked, 2));
        }
        var delivered = app.Smtp.Received.Where(m => ids.Contains(m.Headers["X-Chaperone-Session"])).Select(m => m.MessageId).ToList();
        Assert.Equal(40, expected.Count);
        Assert.Equal(expected.Order(), delivered.Order()); // none lost, none twice
    }

    private async Task<OutboxMessage> WaitForRowAsync(Guid sessionId, Func<OutboxMessage, bool> done) =>
        (await WaitForRowsAsync(sessionId, rows => rows.Any(done))).First(done);

    private async Task<List<OutboxMessage>> WaitForRowsAsync(Guid sessionId, Func<List<OutboxMessage>, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            var rows = await app.WithDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.SessionId == sessionId).ToListAsync());
            if (done(rows))
            {
                return rows;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("The outbox never reached the state the test waited for.");
    }

    /// <summary>Waits until the session's messages of this kind are all sent; returns their Message-Ids.</summary>
    private async Task<List<string>> WaitForAllSentAsync(Guid sessionId, MessageKind kind, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            var rows = await app.WithDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.SessionId == sessionId && m.Kind == kind).ToListAsync());
            if (rows.Count == count && rows.All(r => r.Status == MessageStatus.Sent))
            {
                var ids = rows.Select(r => r.MessageIdHeader).ToList();
                await app.Smtp.WaitForAsync(r => ids.All(i => r.Any(m => m.MessageId == i)));
                return ids;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Not every {kind} message of session {sessionId} was sent.");
    }
}

public sealed class EmailDeliveryOnSqlite(SmtpChaperoneApp app) : EmailDeliveryTests(app), IClassFixture<SmtpChaperoneApp>;

public sealed class EmailDeliveryOnPostgres(PostgresSmtpChaperoneApp app) : EmailDeliveryTests(app), IClassFixture<PostgresSmtpChaperoneApp>;
