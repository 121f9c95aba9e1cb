using System.Net;
using System.Net.Http.Json;
using Chaperone.Calls;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Chaperone.Tests.Calls;

/// <summary>
/// Clause 11 after the call: a session whose time is over without an outcome gets its teacher
/// reminded at the end of that school day, and a week after it the senior leaders told, once
/// each, by mail through a real SMTP server; nothing for a session whose outcome is recorded, a
/// cancelled one, a leaver, or history older than the reminders' week; and a reminder written
/// before the outcome was recorded is not sent.
/// </summary>
public abstract class OutcomeReminderTests(SmtpChaperoneApp app)
{
    private ReminderJob Job => app.Services.GetRequiredService<ReminderJob>();

    /// <summary>A weekday at least three days on, at <paramref name="hour"/> London time.</summary>
    private DateTimeOffset Soon(int hour = 10) => Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), hour);

    /// <summary>15:00 (the default end of the school day) on the day of <paramref name="at"/>, London time.</summary>
    private static DateTimeOffset EndOfSchoolDay(DateTimeOffset at)
    {
        var day = Instant.FromDateTimeOffset(at).InZone(Api.London).Date;
        return Api.InLondon(day.Year, day.Month, day.Day, 15);
    }

    private Task<List<OutboxMessage>> OutcomeMailAsync(string sessionId)
    {
        var id = Guid.Parse(sessionId);
        return app.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.SessionId == id && (m.Kind == MessageKind.OutcomeDue || m.Kind == MessageKind.OutcomeOverdue))
            .OrderBy(m => m.CreatedAt).ToListAsync());
    }

    private async Task LookAsync(DateTimeOffset at)
    {
        app.Clock.SetUtcNow(at);
        await Job.ProduceDueAsync(default);
    }

    private static Task<HttpResponseMessage> MarkAsync(HttpClient client, string id, object body) =>
        client.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome", body);

    [Fact]
    public async Task TheTeacherIsRemindedAtTheEndOfTheSchoolDayAndTheSeniorLeadersAWeekAfterOnceEach()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var end = start.AddMinutes(30);
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));

        await LookAsync(EndOfSchoolDay(start).AddMinutes(-1));
        Assert.Empty(await OutcomeMailAsync(id));

        await LookAsync(EndOfSchoolDay(start));
        await Job.ProduceDueAsync(default);
        var reminder = Assert.Single(await OutcomeMailAsync(id));
        Assert.Equal((MessageKind.OutcomeDue, "teacher", school.TeacherId, EndOfSchoolDay(start)), (reminder.Kind, reminder.RecipientRole, reminder.RecipientId, reminder.NextAttemptAt));
        var sent = (await app.Smtp.WaitForAsync(r => r.Any(m => m.MessageId == reminder.MessageIdHeader))).First(m => m.MessageId == reminder.MessageIdHeader);
        Assert.Equal(school.TeacherEmail, sent.To.Mailboxes.Single().Address);
        Assert.StartsWith("Please record the outcome of your video call with Toby", sent.Subject, StringComparison.Ordinal);
        Assert.Contains("clause 11", sent.TextBody, StringComparison.Ordinal);
        Assert.Contains($"/sessions/{id}#outcome-panel", sent.TextBody, StringComparison.Ordinal);

        // The teacher sees it among the session's emails.
        var listed = await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}/notifications"), HttpStatusCode.OK);
        Assert.Contains(listed.EnumerateArray(), n => n.GetProperty("kind").GetString() == "outcome-due" && n.GetProperty("recipientRole").GetString() == "teacher");

        await LookAsync(end + LeaderMarking.OverdueAfter - TimeSpan.FromMinutes(1));
        Assert.Single(await OutcomeMailAsync(id));

        await LookAsync(end + LeaderMarking.OverdueAfter);
        await Job.ProduceDueAsync(default);
        var overdue = Assert.Single(await OutcomeMailAsync(id), m => m.Kind == MessageKind.OutcomeOverdue);
        // The school's senior leader only: not its DSL, admin or teachers.
        Assert.Equal(("slt", school.SltId, school.SltEmail), (overdue.RecipientRole, overdue.RecipientId, overdue.RecipientEmail));
        var told = (await app.Smtp.WaitForAsync(r => r.Any(m => m.MessageId == overdue.MessageIdHeader))).First(m => m.MessageId == overdue.MessageIdHeader);
        Assert.StartsWith("Outcome overdue: ", told.Subject, StringComparison.Ordinal);
        Assert.Contains("a senior leader may now record it", told.TextBody, StringComparison.Ordinal);

        // The leader records it; nothing more is written, however often the job looks.
        var marked = await MarkAsync(await school.SltAsync(app), id, new { outcome = "did-not-attend" });
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        await LookAsync(end + LeaderMarking.OverdueAfter + TimeSpan.FromDays(1));
        Assert.Equal(2, (await OutcomeMailAsync(id)).Count);
    }

    [Fact]
    public async Task NoReminderForARecordedOutcomeOrACancelledSessionAndOneWrittenBeforeTheOutcomeWasRecordedIsNotSent()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var recorded = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var cancelled = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(1), school.SiblingA, school.SharedParent));
        var raced = await TestSchool.BookOkAsync(teacher, school.Booking(start.AddHours(2), school.SiblingB, school.SharedParent));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, cancelled, "Pupil unwell")).StatusCode);

        // A reminder of the third session waits for its time (as if written by the job just as the teacher records the outcome).
        app.Clock.SetUtcNow(start.AddHours(2).AddMinutes(31));
        var waiting = app.Clock.GetUtcNow().AddMinutes(30);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
            var session = await db.Sessions.AsNoTracking().FirstAsync(s => s.Id == Guid.Parse(raced));
            db.OutboxMessages.Add(scope.ServiceProvider.GetRequiredService<OutcomeReminders>().Compose(
                new OutcomeMailFacts(session.Id, session.SchoolId, "School", Api.London, session.Start, session.End, session.Sequence, "Teacher", ["Pupil"]),
                MessageKind.OutcomeDue, new Chaperone.Notifications.MailPerson(school.TeacherId, "Teacher", school.TeacherEmail), waiting));
            await db.SaveChangesAsync();
        }
        teacher = await school.TeacherAsync(app);
        foreach (var id in new[] { recorded, raced })
        {
            Assert.Equal(HttpStatusCode.OK, (await MarkAsync(teacher, id, new { outcome = "did-not-attend" })).StatusCode);
        }

        app.Clock.SetUtcNow(waiting);
        app.Services.GetRequiredService<OutboxSignal>().Wake();
        var until = DateTime.UtcNow.AddSeconds(30);
        List<OutboxMessage> written;
        while ((written = await OutcomeMailAsync(raced)).Any(m => m.Status == MessageStatus.Pending))
        {
            Assert.True(DateTime.UtcNow < until, "The worker never dealt with the reminder.");
            await Task.Delay(50);
        }
        var superseded = Assert.Single(written);
        Assert.Equal(MessageStatus.Superseded, superseded.Status);
        Assert.Equal("not sent: the outcome has been recorded", await app.WithDbAsync(db =>
            db.DeliveryAttempts.AsNoTracking().Where(a => a.OutboxMessageId == superseded.Id).Select(a => a.Reply).SingleAsync()));
        Assert.DoesNotContain(app.Smtp.ForSession(raced), m => m.MessageId == superseded.MessageIdHeader);

        foreach (var at in new[] { EndOfSchoolDay(start), start.AddDays(8) })
        {
            await LookAsync(at);
            Assert.Empty(await OutcomeMailAsync(recorded));
            Assert.Empty(await OutcomeMailAsync(cancelled));
            Assert.Single(await OutcomeMailAsync(raced));
        }
    }

    [Fact]
    public async Task ALeaverIsNotRemindedButTheSeniorLeadersAreToldAWeekAfter()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));
        await app.WithDbAsync(db => db.Users.Where(u => u.Id == school.TeacherId).ExecuteUpdateAsync(u => u.SetProperty(x => x.AccessEndedAt, start.AddDays(-1))));

        await LookAsync(EndOfSchoolDay(start));
        Assert.Empty(await OutcomeMailAsync(id));

        await LookAsync(start.AddMinutes(30) + LeaderMarking.OverdueAfter);
        Assert.Equal([(MessageKind.OutcomeOverdue, school.SltId)], (await OutcomeMailAsync(id)).Select(m => (m.Kind, m.RecipientId)));
    }

    [Fact]
    public async Task ASessionWhoseRemindersWeekHasPassedIsNotMailedAboutWhenTheJobNextLooks()
    {
        // As when nobody looked for a fortnight, or sessions from before an upgrade: no history is mailed.
        var school = await TestSchool.CreateAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start));

        await LookAsync(start.AddMinutes(30) + LeaderMarking.OverdueAfter + OutcomeReminderTimes.WrittenFor);
        Assert.Empty(await OutcomeMailAsync(id));
    }
}

public sealed class OutcomeRemindersOnSqlite(SmtpChaperoneApp app) : OutcomeReminderTests(app), IClassFixture<SmtpChaperoneApp>;

public sealed class OutcomeRemindersOnPostgres(PostgresSmtpChaperoneApp app) : OutcomeReminderTests(app), IClassFixture<PostgresSmtpChaperoneApp>;
