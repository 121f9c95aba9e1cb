using Chaperone.Demo;
using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Demo;

/// <summary>The demo school holds a call for teacher1@ that opens within the hour, when that falls in school hours.</summary>
public sealed class DemoCallTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task ADemoCallOpensWithinTheHourInSchoolHoursBookedDaysBeforeAndOnlyOnce()
    {
        // Monday 30 November 2026 at 08:00 UTC is before school: no call is held.
        Assert.Null(await DemoCall.SeedAsync(app.Services));

        app.Clock.SetUtcNow(ChaperoneApp.StartOfTime.AddHours(2).AddMinutes(3)); // 10:03
        var link = await DemoCall.SeedAsync(app.Services);
        Assert.NotNull(link);
        var token = app.Services.GetRequiredService<FamilyLinks>().Read(link!.AbsolutePath.Split('/')[^1])!;
        var session = await app.WithDbAsync(db => db.Sessions.Include(s => s.Pupils).SingleAsync(s => s.Id == token.SessionId));
        var now = app.Clock.GetUtcNow();
        Assert.InRange(session.Start, now.AddMinutes(5), now.AddMinutes(10));
        Assert.Equal(now.AddDays(-3), session.BookedAt);
        Assert.Equal("teacher1@demo.school", await app.WithDbAsync(db => db.Users.Where(u => u.Id == session.TeacherId).Select(u => u.Email).SingleAsync()));

        var again = await DemoCall.SeedAsync(app.Services);
        Assert.Equal(token, app.Services.GetRequiredService<FamilyLinks>().Read(again!.AbsolutePath.Split('/')[^1]));

        // Booked "days before", its reminders are those of its day: this morning's, not a day-before one sent today.
        await app.Services.GetRequiredService<Chaperone.Notifications.ReminderJob>().ProduceDueAsync(default);
        var reminders = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.SessionId == session.Id).Select(m => m.Kind).ToListAsync());
        Assert.DoesNotContain(Chaperone.Notifications.MessageKind.ReminderDayBefore, reminders);
        Assert.Contains(Chaperone.Notifications.MessageKind.ReminderMorning, reminders);
    }
}
