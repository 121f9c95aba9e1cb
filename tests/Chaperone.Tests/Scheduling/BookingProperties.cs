using System.Net;
using System.Net.Http.Json;
using Chaperone.Scheduling;
using Chaperone.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// Random booking requests through the HTTP API: every one that is accepted satisfies every
/// rule (checked independently against what was stored), none is ever answered with a 500,
/// and no two accepted sessions share a person at overlapping times.
/// </summary>
public abstract class BookingProperties(ChaperoneApp app)
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];

    private sealed record Request(int Teacher, int[] Pupils, int[] Guardians, Instant Start, int Duration);

    [Fact]
    public async Task EveryAcceptedBookingSatisfiesEveryRule()
    {
        var school = await TestSchool.CreateAsync(app);
        var teachers = new[] { (school.TeacherId, school.TeacherEmail), (school.OtherTeacherId, school.OtherTeacherEmail), (school.UnfamiliarTeacherId, school.UnfamiliarTeacherEmail) };
        var pupils = new[] { school.SiblingA, school.SiblingB, school.TwoParentPupil, school.CarerOnlyPupil, school.NoEmailPupil };
        var guardians = new[] { school.SharedParent, school.Mother, school.Father, school.CarerWithoutResponsibility, school.NoEmailParent };
        var clients = new Dictionary<int, HttpClient>();
        for (var i = 0; i < teachers.Length; i++)
        {
            clients[i] = await app.SignInAsync(teachers[i].Item2, TestSchool.Password);
        }
        var times =
            from day in Gen.Choose(0, 40)
            from slot in Gen.Choose(14, 34)   // 07:00 to 17:00 in half hours
            select new LocalDate(2026, 11, 30).PlusDays(day).At(LocalTime.Midnight.PlusMinutes(slot * 30)).InZoneLeniently(London).ToInstant();
        var anything =
            from teacher in Gen.Choose(0, 2)
            from pupilSet in Gen.SubListOf(Enumerable.Range(0, pupils.Length).ToArray())
            from guardianSet in Gen.SubListOf(Enumerable.Range(0, guardians.Length).ToArray())
            from start in times
            from duration in Gen.Elements(5, 10, 30, 45, 60, 120, 150)
            select new Request(teacher, pupilSet.Take(2).ToArray(), guardianSet.Take(2).ToArray(), start, duration);
        // A pupil with a parent who can consent, hosted by a familiar teacher: often accepted, so
        // conflicts between accepted sessions get exercised too.
        var plausible =
            from teacher in Gen.Choose(0, 1)
            from pair in Gen.Elements((0, 0), (1, 0), (2, 1), (2, 2))
            from start in times
            from duration in Gen.Elements(30, 45, 60, 120)
            select new Request(teacher, [pair.Item1], [pair.Item2], start, duration);
        var gen = Gen.Frequency((1, anything), (1, plausible));
        var requests = gen.Sample(150);
        Assert.Equal(150, requests.Length);
        var statuses = new List<HttpStatusCode>();

        foreach (var r in requests)
        {
            var response = await clients[r.Teacher].PostAsJsonAsync("/api/v1/sessions", new
            {
                teacherId = teachers[r.Teacher].Item1.ToString(),
                pupilIds = r.Pupils.Select(i => pupils[i].ToString()).ToArray(),
                guardianIds = r.Guardians.Select(i => guardians[i].ToString()).ToArray(),
                kind = "support",
                start = r.Start.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
                durationMinutes = r.Duration,
            });
            statuses.Add(response.StatusCode);
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.UnprocessableEntity, HttpStatusCode.Conflict });
        }

        var stored = await app.WithDbAsync(async db =>
        {
            var sessions = await db.Sessions.Include(s => s.Pupils).Include(s => s.Guardians).Where(s => s.SchoolId == school.SchoolId).ToListAsync();
            var links = await db.PupilGuardians.Where(l => l.SchoolId == school.SchoolId).ToListAsync();
            var people = await db.Guardians.Where(g => g.SchoolId == school.SchoolId).ToDictionaryAsync(g => g.Id);
            var staff = await db.Users.Where(u => u.SchoolId == school.SchoolId).ToDictionaryAsync(u => u.Id);
            return (sessions, links, people, staff);
        });
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.Created), stored.sessions.Count);
        Assert.NotEmpty(stored.sessions);

        foreach (var s in stored.sessions)
        {
            var start = Instant.FromDateTimeOffset(s.Start).InZone(London).LocalDateTime;
            var end = Instant.FromDateTimeOffset(s.End).InZone(London).LocalDateTime;
            Assert.InRange(start.DayOfWeek, IsoDayOfWeek.Monday, IsoDayOfWeek.Friday);
            Assert.True(start.TimeOfDay >= new LocalTime(9, 0) && end.Date == start.Date && end.TimeOfDay <= new LocalTime(15, 0), $"{start}–{end}");
            Assert.True(s.Start - s.BookedAt >= TimeSpan.FromHours(48));
            Assert.InRange(s.DurationMinutes, 10, 120);
            Assert.NotNull(stored.staff[s.TeacherId].FamiliarisationConfirmedOn);
            Assert.NotEmpty(s.Pupils);
            foreach (var pupil in s.Pupils)
            {
                var invitedLinked = s.Guardians.Where(g => stored.links.Any(l => l.PupilId == pupil.PupilId && l.GuardianId == g.GuardianId)).ToList();
                Assert.NotEmpty(invitedLinked);
                Assert.Contains(invitedLinked, g => stored.people[g.GuardianId].HasParentalResponsibility);
            }
            Assert.All(s.Guardians, g => Assert.False(string.IsNullOrEmpty(stored.people[g.GuardianId].Email)));
            foreach (var other in stored.sessions.Where(o => o.Id != s.Id && o.Start < s.End && o.End > s.Start))
            {
                Assert.NotEqual(s.TeacherId, other.TeacherId);
                Assert.Empty(s.Pupils.Select(p => p.PupilId).Intersect(other.Pupils.Select(p => p.PupilId)));
                Assert.Empty(s.Guardians.Select(g => g.GuardianId).Intersect(other.Guardians.Select(g => g.GuardianId)));
            }
        }
    }
}

public sealed class BookingPropertiesOnSqlite(ChaperoneApp app) : BookingProperties(app), IClassFixture<ChaperoneApp>;

public sealed class BookingPropertiesOnPostgres(PostgresChaperoneApp app) : BookingProperties(app), IClassFixture<PostgresChaperoneApp>;
