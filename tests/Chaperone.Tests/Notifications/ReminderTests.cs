using System.Net;
using System.Net.Http.Json;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// Clause 8 reminders: written by the reminder job when they fall due (the school day before at
/// the end of the day, and 07:30 on the day), once per recipient however often and by however
/// many instances it looks, with the session's time as it is then; none for a cancelled session,
/// and none sent for a version of the session that has since moved.
/// </summary>
public abstract class ReminderTests(SmtpChaperoneApp app)
{
    private ReminderJob Job => app.Services.GetRequiredService<ReminderJob>();

    private DateTimeOffset Soon(int hour = 10) => Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), hour);

    /// <summary>15:00 (the default end of the school day) on the weekday before <paramref name="start"/>, London time.</summary>
    private static DateTimeOffset DayBefore(DateTimeOffset start)
    {
        var day = Instant.FromDateTimeOffset(start).InZone(Api.London).Date.PlusDays(-1);
        while (day.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday)
        {
            day = day.PlusDays(-1);
        }
        return Api.InLondon(day.Year, day.Month, day.Day, 15);
    }

    private static DateTimeOffset Morning(DateTimeOffset start)
    {
        var day = Instant.FromDateTimeOffset(start).InZone(Api.London).Date;
        return Api.InLondon(day.Year, day.Month, day.Day, 7, 30);
    }

    private Task<List<OutboxMessage>> RemindersAsync(string sessionId)
    {
        var id = Guid.Parse(sessionId);
        return app.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.SessionId == id && (m.Kind == MessageKind.ReminderDayBefore || m.Kind == MessageKind.ReminderMorning)).ToListAsync());
    }

    /// <summary>Moves the clock to <paramref name="at"/>, wakes the outbox worker, and returns the session's reminders once it has dealt with each.</summary>
    private async Task<List<OutboxMessage>> SentOrNotAtAsync(string sessionId, DateTimeOffset at)
    {
        app.Clock.SetUtcNow(at);
        app.Services.GetRequiredService<OutboxSignal>().Wake();
        var until = DateTime.UtcNow.AddSeconds(30);
        List<OutboxMessage> reminders;
        while ((reminders = await RemindersAsync(sessionId)).Any(r => r.Status == MessageStatus.Pending))
        {
            Assert.True(DateTime.UtcNow < until, "The worker never dealt with the reminders.");
            await Task.Delay(50);
        }
        return reminders;
    }

    /// <summary>Writes the day-before reminders of the session's current version, not to be sent before <paramref name="at"/>.</summary>
    private async Task WriteReminderAsync(Guid sessionId, DateTimeOffset at)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
        var session = await db.Sessions.AsNoTracking().FirstAsync(s => s.Id == sessionId);
        db.OutboxMessages.AddRange(await scope.ServiceProvider.GetRequiredService<SessionNotifications>()
            .ComposeRemindersAsync(session, [(MessageKind.ReminderDayBefore, at)], new HashSet<(MessageKind, string, Guid?)>(), default));
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task RemindersAreWrittenWhenDueOnceForTheParentAndTheTeacherAndSent()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        Assert.Empty(await RemindersAsync(id)); // not written with the booking

        app.Clock.SetUtcNow(DayBefore(start).AddMinutes(-1));
        await Job.ProduceDueAsync(default);
        Assert.Empty(await RemindersAsync(id));

        app.Clock.SetUtcNow(DayBefore(start));
        await Job.ProduceDueAsync(default);
        await Job.ProduceDueAsync(default);
        var dayBefore = await RemindersAsync(id);
        Assert.Equal(["guardian", "teacher"], dayBefore.Select(r => r.RecipientRole).Order());
        Assert.All(dayBefore, r =>
        {
            Assert.Equal(MessageKind.ReminderDayBefore, r.Kind);
            Assert.Equal(DayBefore(start), r.NextAttemptAt);
            Assert.Equal(0, r.SessionSequence);
        });
        // Sent before the session's day comes: from then on a day-before reminder is no longer true, and is not sent.
        var dayBeforeIds = dayBefore.Select(r => r.MessageIdHeader).ToList();
        await app.Smtp.WaitForAsync(r => dayBeforeIds.All(i => r.Any(m => m.MessageId == i)));

        app.Clock.SetUtcNow(Morning(start));
        await Job.ProduceDueAsync(default);
        var all = await RemindersAsync(id);
        Assert.Equal(4, all.Count);
        Assert.Equal(2, all.Count(r => r.Kind == MessageKind.ReminderMorning && r.NextAttemptAt == Morning(start)));

        // Each is sent once, under its own Message-Id.
        var ids = all.Select(r => r.MessageIdHeader).ToList();
        var received = await app.Smtp.WaitForAsync(r => ids.All(i => r.Any(m => m.MessageId == i)));
        Assert.Equal(ids.Order(), received.Where(m => m.Headers["X-Chaperone-Session"] == id && ids.Contains(m.MessageId ?? "")).Select(m => m.MessageId).Order());
        Assert.Contains(received, m => m.MessageId == all.First(r => r.Kind == MessageKind.ReminderMorning && r.RecipientRole == "guardian").MessageIdHeader && (m.Subject ?? "").StartsWith("Today:", StringComparison.Ordinal));
        // Consent is a parent's with parental responsibility (clause 1), which the one reminded may not hold: it is not asked of them as such.
        var morning = received.First(m => m.MessageId == all.First(r => r.Kind == MessageKind.ReminderMorning && r.RecipientRole == "guardian").MessageIdHeader).TextBody ?? "";
        Assert.Contains("parental responsibility", morning, StringComparison.Ordinal);
        Assert.DoesNotContain("your consent", morning, StringComparison.Ordinal);

        // After the session has begun nothing more is written.
        app.Clock.SetUtcNow(start.AddMinutes(1));
        await Job.ProduceDueAsync(default);
        Assert.Equal(4, (await RemindersAsync(id)).Count);
    }

    /// <summary>Midnight starting the day of <paramref name="start"/>, London time.</summary>
    private static DateTimeOffset DayOf(DateTimeOffset start) =>
        Instant.FromDateTimeOffset(start).InZone(Api.London).Date.AtStartOfDayInZone(Api.London).ToDateTimeOffset();

    [Fact]
    public async Task ADayBeforeReminderMissedUntilTheSessionsDayIsNeverWrittenButTheMorningOneIs()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var missed = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var late = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddDays(7)));

        // No instance looked from the day before's end of school until midnight: "the next school day" is now today.
        app.Clock.SetUtcNow(DayOf(start));
        await Job.ProduceDueAsync(default);
        Assert.Empty(await RemindersAsync(missed));
        app.Clock.SetUtcNow(Morning(start));
        await Job.ProduceDueAsync(default);
        var reminders = await RemindersAsync(missed);
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(MessageKind.ReminderMorning, r.Kind));

        // A minute before midnight it is late, but still true: written.
        app.Clock.SetUtcNow(DayOf(start.AddDays(7)).AddMinutes(-1));
        await Job.ProduceDueAsync(default);
        Assert.Equal([MessageKind.ReminderDayBefore, MessageKind.ReminderDayBefore], (await RemindersAsync(late)).Select(r => r.Kind));
    }

    [Fact]
    public async Task ADayBeforeReminderNotSentBeforeTheSessionsDayIsNotSentOnIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        // Written on time, but the mail server is down until the session's day.
        await WriteReminderAsync(Guid.Parse(id), DayBefore(start));

        var reminders = (await SentOrNotAtAsync(id, DayOf(start).AddMinutes(1))).Where(r => r.Kind == MessageKind.ReminderDayBefore).ToList();

        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(MessageStatus.Superseded, r.Status));
        Assert.DoesNotContain(app.Smtp.ForSession(id), m => reminders.Any(r => r.MessageIdHeader == m.MessageId));
    }

    [Fact]
    public async Task TwoInstancesLookingAtOnceWriteEachReminderOnce()
    {
        await using var second = app.WithWebHostBuilder(_ => { });
        var otherJob = second.Services.GetRequiredService<ReminderJob>();
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var ids = new List<string>
        {
            await TestSchool.BookOkAsync(teacher, school.Booking(start)),
            await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(1), school.SiblingA, school.SharedParent)),
            await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(2), school.SiblingB, school.SharedParent)),
        };

        // Both instances look several times at once (and their background looks, woken by the clock, too).
        app.Clock.SetUtcNow(DayBefore(start));
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? Job : otherJob).ProduceDueAsync(default)));

        foreach (var id in ids)
        {
            var reminders = await RemindersAsync(id);
            Assert.Equal(["guardian", "teacher"], reminders.Select(r => r.RecipientRole).Order());
        }
    }

    [Fact]
    public async Task AMovedSessionIsRemindedOfItsNewTimeAndACancelledOneNotAtAll()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var moved = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var cancelled = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(2), school.SiblingA, school.SharedParent));
        var later = Api.NextWeekdayAt(start.AddDays(2), 13);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, moved, later)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, cancelled, "Pupil unwell")).StatusCode);

        app.Clock.SetUtcNow(Morning(start));
        await Job.ProduceDueAsync(default);
        Assert.Empty(await RemindersAsync(moved));
        Assert.Empty(await RemindersAsync(cancelled));

        app.Clock.SetUtcNow(DayBefore(later));
        await Job.ProduceDueAsync(default);
        var reminders = await RemindersAsync(moved);
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r =>
        {
            Assert.Equal(1, r.SessionSequence);
            Assert.Contains("13:00", r.Subject, StringComparison.Ordinal);
        });
        Assert.Empty(await RemindersAsync(cancelled));
    }

    [Fact]
    public async Task AReminderWrittenForAVersionThatHasSinceMovedIsNotSent()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var sessionId = Guid.Parse(id);

        // A reminder of version 0, waiting an hour (as if written by the job at the moment of the move).
        var waiting = app.Clock.GetUtcNow().AddHours(1);
        await WriteReminderAsync(sessionId, waiting);
        // The session moves on without superseding it (a move that raced with the job's write).
        await app.WithDbAsync(db => db.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Sequence, 1)));

        var reminders = await SentOrNotAtAsync(id, waiting);
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(MessageStatus.Superseded, r.Status));
        Assert.DoesNotContain(app.Smtp.ForSession(id), m => reminders.Any(r => r.MessageIdHeader == m.MessageId));
    }

    [Fact]
    public async Task AParentWhoSaidTheyCannotComeIsNotRemindedButTheTeacherIs()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Soon(11)));
        var path = await Chaperone.Tests.Families.FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother);
        await Api.JsonAsync(await Api.AnonymousClient(app).PostAsJsonAsync("/api/v1" + path + "/cannot-come", new { message = "Away that week." }), HttpStatusCode.OK);
        var waiting = app.Clock.GetUtcNow().AddHours(1);
        await WriteReminderAsync(Guid.Parse(id), waiting);

        var reminders = await SentOrNotAtAsync(id, waiting);

        Assert.Equal(MessageStatus.Superseded, Assert.Single(reminders, r => r.RecipientRole == "guardian").Status);
        Assert.Equal(MessageStatus.Sent, Assert.Single(reminders, r => r.RecipientRole == "teacher").Status);
        var parents = reminders.Single(r => r.RecipientRole == "guardian").Id;
        var reason = await app.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.OutboxMessageId == parents).Select(a => a.Reply).SingleAsync());
        Assert.Equal("not sent: they said they cannot come", reason);
    }

    [Fact]
    public async Task AMoveSupersedesTheRemindersWrittenAndNotYetSent()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Soon()));
        var sessionId = Guid.Parse(id);
        await WriteReminderAsync(sessionId, app.Clock.GetUtcNow().AddHours(1));

        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, Soon(14))).StatusCode);

        var reminders = await RemindersAsync(id);
        Assert.Equal(2, reminders.Count);
        Assert.All(reminders, r => Assert.Equal(MessageStatus.Superseded, r.Status));
    }
}

public sealed class RemindersOnSqlite(SmtpChaperoneApp app) : ReminderTests(app), IClassFixture<SmtpChaperoneApp>;

public sealed class RemindersOnPostgres(PostgresSmtpChaperoneApp app) : ReminderTests(app), IClassFixture<PostgresSmtpChaperoneApp>;
