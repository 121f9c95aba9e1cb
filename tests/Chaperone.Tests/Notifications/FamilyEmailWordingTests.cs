using System.Net;
using System.Net.Http.Json;
using Chaperone.Notifications;
using Chaperone.Pages;
using Chaperone.Tests.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Chaperone.Tests.Notifications;

/// <summary>
/// The emails as the people they are for read them (clause 8): a carer without parental
/// responsibility is told consent is not theirs to give (clause 1); a move says the time it moved
/// from; the teacher's copy is written to the teacher; and the school office's contact, when the
/// school gives it, is in every family's email and on their page.
/// </summary>
public abstract class FamilyEmailWordingTests(SmtpChaperoneApp app)
{
    private DateTimeOffset Soon(int hour = 10) => Api.NextWeekdayAt(app.Clock.GetUtcNow().AddDays(3), hour);

    private static string To(MimeMessage m) => m.To.Mailboxes.Single().Address;

    private Task<string> EmailOfAsync(Guid guardianId) => app.WithDbAsync(db => db.Guardians.Where(g => g.Id == guardianId).Select(g => g.Email!).SingleAsync());

    private Task<string> NameOfAsync(Guid staffId) => app.WithDbAsync(db => db.Users.Where(u => u.Id == staffId).Select(u => u.Name).SingleAsync());

    /// <summary>The text of the message about <paramref name="sessionId"/> to <paramref name="address"/> whose subject starts so, once it has arrived.</summary>
    private async Task<string> TextOfAsync(string sessionId, string address, string subjectStart)
    {
        bool Match(MimeMessage m) => m.Headers["X-Chaperone-Session"] == sessionId && To(m) == address && (m.Subject ?? "").StartsWith(subjectStart, StringComparison.Ordinal);
        return (await app.Smtp.WaitForAsync(r => r.Any(Match))).First(Match).TextBody ?? "";
    }

    /// <summary>The reminder of this kind to each recipient of the session, written as the reminder job writes it and rendered as it is sent: the text by recipient role and id.</summary>
    private async Task<Dictionary<(string Role, Guid? Id), string>> RemindersAsync(string sessionId, MessageKind kind)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Chaperone.Storage.ChaperoneDbContext>();
        var session = await db.Sessions.AsNoTracking().FirstAsync(s => s.Id == Guid.Parse(sessionId));
        var rows = await scope.ServiceProvider.GetRequiredService<SessionNotifications>()
            .ComposeRemindersAsync(session, [(kind, app.Clock.GetUtcNow())], new HashSet<(MessageKind, string, Guid?)>(), default);
        var composer = app.Services.GetRequiredService<MessageComposer>();
        return rows.ToDictionary(r => (r.RecipientRole, r.RecipientId), r => { using var m = composer.Render(r); return m.TextBody ?? ""; });
    }

    private object TobyWith(TestSchool school, DateTimeOffset start, params Guid[] guardians) => new
    {
        teacherId = school.TeacherId.ToString(), pupilIds = new[] { school.TwoParentPupil.ToString() },
        guardianIds = guardians.Select(g => g.ToString()).ToArray(), kind = "support", start = Api.Rfc3339(start), durationMinutes = 30,
    };

    [Fact]
    public async Task ACarerWithoutParentalResponsibilityIsToldInTheirEmailsAndOnTheirPageThatConsentIsNotTheirsToGive()
    {
        var school = await TestSchool.CreateAsync(app);
        // Cal Carer, a foster carer without parental responsibility, is Toby's too.
        await app.WithDbAsync(db =>
        {
            db.PupilGuardians.Add(new Chaperone.People.PupilGuardian { SchoolId = school.SchoolId, PupilId = school.TwoParentPupil, GuardianId = school.CarerWithoutResponsibility });
            return db.SaveChangesAsync();
        });
        var teacher = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacher, TobyWith(school, Soon(), school.Mother, school.CarerWithoutResponsibility));
        const string NotYours = "You are invited to supervise Toby Twoparents throughout the call. Consent for it is given at the start by a parent or carer with parental responsibility for Toby Twoparents, not by you, so you will not be asked for it.";

        var carer = await TextOfAsync(id, await EmailOfAsync(school.CarerWithoutResponsibility), "Video call booked");
        Assert.Contains(NotYours, carer, StringComparison.Ordinal);
        Assert.DoesNotContain("A parent or carer with parental responsibility gives consent at the start of the call", carer, StringComparison.Ordinal);
        var mother = await TextOfAsync(id, await EmailOfAsync(school.Mother), "Video call booked");
        Assert.Contains("A parent or carer with parental responsibility gives consent at the start of the call; the teacher records it.", mother, StringComparison.Ordinal);
        Assert.DoesNotContain("not by you", mother, StringComparison.Ordinal);
        // The teacher knows whose consent to ask.
        Assert.Contains("Cal Carer (no parental responsibility, so cannot give consent)", await TextOfAsync(id, school.TeacherEmail, "Copy: Video call booked"), StringComparison.Ordinal);

        // The morning's reminder says it to the carer as well.
        var morning = await RemindersAsync(id, MessageKind.ReminderMorning);
        Assert.Contains($"{NotYours} (clause 1)", morning[("guardian", school.CarerWithoutResponsibility)], StringComparison.Ordinal);
        Assert.Contains("At the start, a parent or carer with parental responsibility gives consent for the call (clause 1).", morning[("guardian", school.Mother)], StringComparison.Ordinal);

        // And so does their page (and its API), not the mother's.
        var family = Api.AnonymousClient(app);
        var carerPath = await FamilyLinkTests.FamilyPathAsync(teacher, id, school.CarerWithoutResponsibility);
        Assert.Contains(NotYours, WebUtility.HtmlDecode(await family.GetStringAsync(carerPath)), StringComparison.Ordinal);
        Assert.False((await Api.JsonAsync(await family.GetAsync("/api/v1" + carerPath), HttpStatusCode.OK)).GetProperty("parentalResponsibility").GetBoolean());
        var motherPage = WebUtility.HtmlDecode(await family.GetStringAsync(await FamilyLinkTests.FamilyPathAsync(teacher, id, school.Mother)));
        Assert.Contains("the teacher asks a parent or carer with parental responsibility for consent.", motherPage, StringComparison.Ordinal);
        Assert.DoesNotContain("not by you", motherPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMovedSessionsEmailsSayTheTimeItMovedFromAndTheTimeItMovedTo()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Soon();
        var id = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var moved = Api.NextWeekdayAt(start.AddDays(1), 13);
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, id, moved)).StatusCode);

        // "Moved from Thursday 10 December 2026, 10:00 to Friday 11 December 2026, 13:00–13:30 (UK time)"
        var fromTo = $"Moved from {Display.At(start, Api.London)} to {Display.When(moved, moved.AddMinutes(30), Api.London)} (UK time)";
        Assert.Contains(fromTo, await TextOfAsync(id, await EmailOfAsync(school.Mother), "Video call moved"), StringComparison.Ordinal);
        var copy = await TextOfAsync(id, school.TeacherEmail, "Copy: Video call moved");
        Assert.Contains(fromTo, copy, StringComparison.Ordinal);
        Assert.Contains($"Dear {await NameOfAsync(school.TeacherId)}, your video call with Toby Twoparents has moved to a new time.", copy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTeachersCopiesAreWrittenToTheTeacherSayingWhoBookedTheCall()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var teacherName = await NameOfAsync(school.TeacherId);
        var own = await TestSchool.BookOkAsync(teacher, school.Booking(Soon()));
        var forThem = await TestSchool.BookOkAsync(await school.AdminAsync(app), school.Booking(Api.NextWeekdayAt(Soon().AddDays(1), 11)));

        var copy = await TextOfAsync(own, school.TeacherEmail, "Copy: Video call booked");
        Assert.StartsWith($"Dear {teacherName}, you booked a video call with Toby Twoparents. This is your copy of the email sent to the parents and carers of Toby Twoparents.", copy, StringComparison.Ordinal);
        Assert.DoesNotContain($"{teacherName} has booked", copy, StringComparison.Ordinal);
        Assert.DoesNotContain("contact the school office", copy, StringComparison.Ordinal); // the families' closing words are not the teacher's
        Assert.StartsWith($"Dear {teacherName}, {await NameOfAsync(school.AdminId)} booked a video call for you with Toby Twoparents.",
            await TextOfAsync(forThem, school.TeacherEmail, "Copy: Video call booked"), StringComparison.Ordinal);
        // The family's email is still written to the family.
        Assert.StartsWith($"Dear Mia Mother, {teacherName} has booked a video call with Toby Twoparents.", await TextOfAsync(own, await EmailOfAsync(school.Mother), "Video call booked"), StringComparison.Ordinal);

        var reminders = await RemindersAsync(own, MessageKind.ReminderDayBefore);
        Assert.StartsWith($"Dear {teacherName}, a reminder that you have a video call with Toby Twoparents on the next school day.", reminders[("teacher", school.TeacherId)], StringComparison.Ordinal);
        Assert.StartsWith($"Dear {teacherName}, a short reminder: you have a video call with Toby Twoparents today.", (await RemindersAsync(own, MessageKind.ReminderMorning))[("teacher", school.TeacherId)], StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, own, "Pupil unwell")).StatusCode);
        Assert.StartsWith($"Dear {teacherName}, your video call with Toby Twoparents has been cancelled.", await TextOfAsync(own, school.TeacherEmail, "Copy: Video call cancelled"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSchoolOfficesContactIsInTheFamiliesEmailsAndOnTheirPageFromTheMomentItIsSaved()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        var mother = await EmailOfAsync(school.Mother);

        // Bad input is refused on its fields, and nothing is saved.
        var refused = await admin.PutAsJsonAsync("/api/v1/policy/settings", new { officeEmail = "the office", officePhone = "ring the bell" });
        Assert.Equal(["officeEmail", "officePhone"], (await Api.BadRequestFieldsAsync(refused)).Order());

        // Without any, the email says what it always has.
        var before = await TestSchool.BookOkAsync(teacher, school.Booking(Soon()));
        var text = await TextOfAsync(before, mother, "Video call booked");
        Assert.Contains("If the time does not suit, please contact the school office.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("To contact the school office", text, StringComparison.Ordinal);

        var saved = await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/policy/settings", new { officeEmail = " office@school.test ", officePhone = "01632 960000" }), HttpStatusCode.OK);
        Assert.Equal("office@school.test", saved.GetProperty("office").GetProperty("email").GetString());
        Assert.Equal("01632 960000", saved.GetProperty("office").GetProperty("phone").GetString());

        var after = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Soon().AddDays(1), 10)));
        // The booking's closing already asks them to contact the office: the details join it, not a second sentence saying it again.
        var booked = await TextOfAsync(after, mother, "Video call booked");
        Assert.Contains("If the time does not suit, please contact the school office (email office@school.test or call 01632 960000).", booked, StringComparison.Ordinal);
        Assert.DoesNotContain("To contact the school office", booked, StringComparison.Ordinal);
        Assert.DoesNotContain("office@school.test", await TextOfAsync(after, school.TeacherEmail, "Copy: Video call booked"), StringComparison.Ordinal);
        var afterPath = await FamilyLinkTests.FamilyPathAsync(teacher, after, school.Mother);
        var page = await Api.AnonymousClient(app).GetStringAsync(afterPath);
        Assert.Contains("<a href=\"mailto:office@school.test\">office@school.test</a>", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"tel:01632960000\">01632 960000</a>", page, StringComparison.Ordinal);
        // A move and a cancellation say it too.
        Assert.Equal(HttpStatusCode.OK, (await Api.RescheduleAsync(teacher, after, Api.NextWeekdayAt(Soon().AddDays(1), 13))).StatusCode);
        Assert.Contains("If the new time does not suit, please contact the school office (email office@school.test or call 01632 960000).", await TextOfAsync(after, mother, "Video call moved"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacher, after, "Pupil unwell")).StatusCode);
        // The cancellation's closing does not mention the office: the sentence follows it.
        Assert.Contains("The school will be in touch about another time if one is needed.\n\nTo contact the school office, email office@school.test or call 01632 960000.",
            (await TextOfAsync(after, mother, "Video call cancelled")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        // The page of the cancelled session's link, which asks them to contact the office if they think it a mistake, says how.
        var closed = await Api.AnonymousClient(app).GetAsync(afterPath);
        Assert.Equal(HttpStatusCode.Gone, closed.StatusCode);
        Assert.Contains("please contact the school office: email <a href=\"mailto:office@school.test\">office@school.test</a>", System.Text.RegularExpressions.Regex.Replace(await closed.Content.ReadAsStringAsync(), @"\s+", " "), StringComparison.Ordinal);

        // On the settings page: bad input is kept with its error; then only a phone number.
        var refusedOnPage = await FamilyLinkTests.SendFormAsync(admin, "/admin/settings", "Office", ("OfficeEmail", ""), ("OfficePhone", "12"));
        Assert.Equal(HttpStatusCode.OK, refusedOnPage.StatusCode);
        Assert.Contains("Give the office&#x27;s phone number in digits and spaces", await refusedOnPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await FamilyLinkTests.SendFormAsync(admin, "/admin/settings", "Office", ("OfficeEmail", ""), ("OfficePhone", "01632 960001"));
        Assert.Contains("value=\"01632 960001\"", await admin.GetStringAsync("/admin/settings"), StringComparison.Ordinal);

        var phoneOnly = await TestSchool.BookOkAsync(teacher, school.Booking(Api.NextWeekdayAt(Soon().AddDays(2), 11)));
        text = await TextOfAsync(phoneOnly, mother, "Video call booked");
        Assert.Contains("please contact the school office (call 01632 960001).", text, StringComparison.Ordinal);
        Assert.DoesNotContain("office@school.test", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASchoolsOwnClosingThatAsksThemToContactTheOfficeIsGivenItsDetailsOnce()
    {
        var school = await TestSchool.CreateAsync(app);
        var admin = await school.AdminAsync(app);
        var teacher = await school.TeacherAsync(app);
        var mother = await EmailOfAsync(school.Mother);
        await Api.JsonAsync(await admin.PutAsJsonAsync("/api/v1/policy/settings", new { officeEmail = "office@school.test", officePhone = "01632 960000" }), HttpStatusCode.OK);
        await app.WithDbAsync(db =>
        {
            db.MessageTemplates.Add(new MessageTemplate
            {
                SchoolId = school.SchoolId, Kind = MessageKind.Booked, UpdatedAt = app.Clock.GetUtcNow(),
                Opening = "Dear {recipient}, {teacher} has booked a video call with {pupils}.",
                Closing = "Any questions about the call? Please ring the school office before 3pm. From all of us at {school}.",
            });
            return db.SaveChangesAsync();
        });

        var id = await TestSchool.BookOkAsync(teacher, school.Booking(Soon()));
        var text = await TextOfAsync(id, mother, "Video call booked");

        Assert.Contains("Any questions about the call? Please ring the school office (email office@school.test or call 01632 960000) before 3pm.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("To contact the school office", text, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "01632 960000"));
    }
}

public sealed class FamilyEmailWordingOnSqlite(SmtpChaperoneApp app) : FamilyEmailWordingTests(app), IClassFixture<SmtpChaperoneApp>;

public sealed class FamilyEmailWordingOnPostgres(PostgresSmtpChaperoneApp app) : FamilyEmailWordingTests(app), IClassFixture<PostgresSmtpChaperoneApp>;
