using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Chaperone.Bench;

public sealed record BenchPupil(Guid Id, Guid GuardianId);

public sealed record BenchTeacher(Guid Id, string Email, IReadOnlyList<BenchPupil> Pupils);

/// <summary>
/// One school (Europe/London, 09:00–15:00, weekdays, 48 hours' notice) with many teachers,
/// each with pupils of their own and one parent per pupil, so that bookings spread over
/// teachers and times never conflict.
/// </summary>
public sealed class BenchSchool
{
    public const string Password = "bench-password-0123";
    public const int SlotsPerDay = 12;

    private BenchSchool(Guid schoolId, IReadOnlyList<BenchTeacher> teachers, BenchTeacher slotTeacher, IReadOnlyList<LocalDate> schoolDays)
    {
        SchoolId = schoolId;
        Teachers = teachers;
        SlotTeacher = slotTeacher;
        SchoolDays = schoolDays;
    }

    public Guid SchoolId { get; }
    public IReadOnlyList<BenchTeacher> Teachers { get; }
    public BenchTeacher SlotTeacher { get; }

    /// <summary>Weekdays from Thursday 3 December 2026 on (more than 48 hours after <see cref="BenchApp.Now"/>).</summary>
    public IReadOnlyList<LocalDate> SchoolDays { get; }

    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb["Europe/London"];

    /// <summary>The start of half-hour slot <paramref name="slot"/> (0–11) on school day <paramref name="day"/>.</summary>
    public ZonedDateTime SlotStart(int day, int slot) =>
        Zone.AtStrictly(SchoolDays[day].At(new LocalTime(9, 0)).PlusMinutes(30 * slot));

    public static async Task<BenchSchool> CreateAsync(IServiceProvider services, int teacherCount, int pupilsPerTeacher, int slotTeacherSessions)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<StaffMember>>();
        var normalizer = scope.ServiceProvider.GetRequiredService<ILookupNormalizer>();

        if (!await roles.RoleExistsAsync(Roles.Teacher))
        {
            var created = await roles.CreateAsync(new IdentityRole<Guid>(Roles.Teacher) { Id = Guid.CreateVersion7() });
            if (!created.Succeeded)
            {
                throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
            }
        }
        var teacherRole = (await roles.FindByNameAsync(Roles.Teacher))!.Id;

        var school = new School { Name = "Bench Primary School" };
        db.Schools.Add(school);
        await db.SaveChangesAsync();

        // One password hash for everyone: hashing is deliberately slow, and sign-in is not what is measured.
        var passwordHash = hasher.HashPassword(new StaffMember { Name = "x" }, Password);
        BenchTeacher AddTeacher(string tag)
        {
            var email = $"{tag}@bench.school";
            var user = new StaffMember
            {
                SchoolId = school.Id,
                Name = $"Teacher {tag}",
                UserName = email,
                NormalizedUserName = normalizer.NormalizeName(email),
                Email = email,
                NormalizedEmail = normalizer.NormalizeEmail(email),
                EmailConfirmed = true,
                PasswordHash = passwordHash,
                SecurityStamp = Guid.NewGuid().ToString("N"),
                ConcurrencyStamp = Guid.NewGuid().ToString(),
                FamiliarisationConfirmedOn = new DateOnly(2026, 9, 1),
            };
            db.Users.Add(user);
            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = user.Id, RoleId = teacherRole });
            var pupils = new List<BenchPupil>();
            for (var p = 0; p < pupilsPerTeacher; p++)
            {
                var guardian = new Guardian
                {
                    SchoolId = school.Id,
                    Name = $"Parent {tag}-{p}",
                    Relationship = p % 2 == 0 ? "Mother" : "Father",
                    HasParentalResponsibility = true,
                    Email = $"parent.{tag}-{p}@family.test",
                };
                var pupil = new Pupil { SchoolId = school.Id, Name = $"Pupil {tag}-{p}" };
                pupil.Guardians.Add(new PupilGuardian { SchoolId = school.Id, PupilId = pupil.Id, GuardianId = guardian.Id });
                db.Guardians.Add(guardian);
                db.Pupils.Add(pupil);
                pupils.Add(new BenchPupil(pupil.Id, guardian.Id));
            }
            return new BenchTeacher(user.Id, email, pupils);
        }

        var teachers = Enumerable.Range(0, teacherCount).Select(i => AddTeacher($"teacher{i:000}")).ToList();
        var slotTeacher = AddTeacher("slots");
        await db.SaveChangesAsync();

        var days = new List<LocalDate>();
        for (var day = new LocalDate(2026, 12, 3); days.Count < 1000; day = day.PlusDays(1))
        {
            if (day.DayOfWeek is not (IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday))
            {
                days.Add(day);
            }
        }
        var benchSchool = new BenchSchool(school.Id, teachers, slotTeacher, days);

        // The slot finder's teacher: a busy timetable, eight half-hour sessions a day with gaps between.
        int[] busySlots = [0, 1, 3, 4, 6, 7, 9, 10];
        var pupilOf = slotTeacher.Pupils[0];
        for (var n = 0; n < slotTeacherSessions; n++)
        {
            var start = benchSchool.SlotStart(n / busySlots.Length, busySlots[n % busySlots.Length]).ToDateTimeOffset();
            var session = new Session
            {
                SchoolId = school.Id,
                TeacherId = slotTeacher.Id,
                Kind = SessionKind.Support,
                Start = start,
                End = start.AddMinutes(30),
                DurationMinutes = 30,
                BookedAt = BenchApp.Now,
                BookedById = slotTeacher.Id,
            };
            session.Pupils.Add(new SessionPupil { SchoolId = school.Id, SessionId = session.Id, PupilId = pupilOf.Id });
            session.Guardians.Add(new SessionGuardian { SchoolId = school.Id, SessionId = session.Id, GuardianId = pupilOf.GuardianId });
            db.Sessions.Add(session);
        }
        await db.SaveChangesAsync();
        return benchSchool;
    }

    public static async Task<int> CountSessionsAsync(IServiceProvider services, Guid schoolId)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        return await db.Sessions.CountAsync(s => s.SchoolId == schoolId);
    }
}
