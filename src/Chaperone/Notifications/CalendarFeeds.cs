using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Chaperone.Families;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Notifications;

/// <summary>A calendar address, shown once when made (only its hash is kept).</summary>
public sealed record CalendarFeedDto(string Url, DateTimeOffset CreatedAt);

/// <summary>
/// Each member of staff's private calendar feed: their sessions (from 30 days back) as an
/// iCalendar document, with the same UIDs as the invites, so a calendar app that has both shows
/// each session once. Making a new address revokes the old one.
/// </summary>
public sealed class CalendarFeeds(ChaperoneDbContext db, TimeProvider clock, FamilyLinks links)
{
    public async Task<CalendarFeedDto> CreateAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        // The old address stops and the new one starts together.
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await RevokeAllAsync(user, now, ct);
            db.CalendarFeeds.Add(new CalendarFeed { SchoolId = user.SchoolId(), StaffId = user.UserId(), TokenHash = Hash(token), CreatedAt = now });
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        return new CalendarFeedDto(new Uri(links.BaseUrl, $"/calendar/{token}.ics").ToString(), now);
    }

    public async Task RevokeAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        await RevokeAllAsync(user, clock.GetUtcNow(), ct);
        await write.CommitAsync(ct);
    }

    /// <summary>When this user's current address was made, if they have one.</summary>
    public Task<DateTimeOffset?> ActiveSinceAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var me = user.UserId();
        return db.CalendarFeeds.Where(f => f.StaffId == me && f.RevokedAt == null).Select(f => (DateTimeOffset?)f.CreatedAt).FirstOrDefaultAsync(ct);
    }

    private Task<int> RevokeAllAsync(ClaimsPrincipal user, DateTimeOffset now, CancellationToken ct)
    {
        var me = user.UserId();
        return db.CalendarFeeds.Where(f => f.StaffId == me && f.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.RevokedAt, now), ct);
    }

    public static async Task<IResult> ServeAsync(string token, ChaperoneDbContext db, TimeProvider clock, FamilyLinks links, CancellationToken ct)
    {
        if (token.Length is < 20 or > 100)
        {
            return Problems.NotFound("There is no calendar at this address.");
        }
        var hash = Hash(token);
        var feed = await db.CalendarFeeds.AsNoTracking().FirstOrDefaultAsync(f => f.TokenHash == hash && f.RevokedAt == null, ct);
        if (feed is null)
        {
            return Problems.NotFound("There is no calendar at this address.");
        }
        var school = await db.Schools.AsNoTracking().FirstAsync(s => s.Id == feed.SchoolId, ct);
        var zone = PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var now = clock.GetUtcNow();
        var from = now.AddDays(-30);
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.SchoolId == feed.SchoolId && s.TeacherId == feed.StaffId && s.End > from)
            .OrderBy(s => s.Start).Take(2000)
            .Select(s => new { s.Id, s.Start, s.End, s.Status, s.Sequence, Pupils = s.Pupils.Join(db.Pupils, p => p.PupilId, p => p.Id, (_, p) => p.Name).ToList() })
            .ToListAsync(ct);

        var text = Publish("Staff calendar", $"{school.Name}: video calls", zone, sessions.Select(s => EventOf(s.Id, s.Sequence, s.Status == SessionStatus.Cancelled,
            s.Start, s.End, zone, $"Video call with {string.Join(" and ", s.Pupils)}", new Uri(links.BaseUrl, $"/sessions/{s.Id}"), now)).ToList());
        return Results.Text(text, "text/calendar; charset=utf-8");
    }

    /// <summary>
    /// A session as the event Chaperone's published calendars hold (the staff feed, a family's
    /// file): the UID and SEQUENCE of its invites (a cancellation outranks the last request), in the
    /// school's zone, so a calendar that has both shows the session once.
    /// </summary>
    public static CalendarEvent EventOf(Guid sessionId, int sequence, bool cancelled, DateTimeOffset start, DateTimeOffset end, DateTimeZone zone,
        string summary, Uri url, DateTimeOffset now, string? description = null) => new()
    {
        Uid = MessageComposer.UidOf(sessionId),
        Sequence = cancelled ? sequence + 1 : sequence,
        DtStamp = new CalDateTime(now.UtcDateTime, "UTC", true),
        DtStart = new CalDateTime(Local(start, zone), zone.Id, true),
        DtEnd = new CalDateTime(Local(end, zone), zone.Id, true),
        Summary = summary,
        Description = description,
        Status = cancelled ? "CANCELLED" : "CONFIRMED",
        Url = url,
    };

    /// <summary>An iCalendar document (METHOD:PUBLISH) of <paramref name="events"/>, with the zone they are written in.</summary>
    public static string Publish(string product, string? name, DateTimeZone zone, IReadOnlyList<CalendarEvent> events)
    {
        var calendar = new Calendar { Method = "PUBLISH", ProductId = $"-//Chaperone//{product}//EN" };
        if (name is not null)
        {
            calendar.AddProperty("X-WR-CALNAME", name);
        }
        if (events.Count > 0)
        {
            calendar.AddTimeZone(zone.Id, events[0].DtStart!.Value.AddYears(-1), false);
        }
        foreach (var e in events)
        {
            calendar.Events.Add(e);
        }
        return new CalendarSerializer().SerializeToString(calendar)!;
    }

    private static DateTime Local(DateTimeOffset instant, DateTimeZone zone) =>
        Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime.ToDateTimeUnspecified();

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
