using System.Security.Cryptography;
using Chaperone.People;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Demo;

/// <summary>
/// Seeds the demo school that <c>--demo</c> asks for, idempotently: running it again changes
/// nothing but the staff password, which always matches <c>Demo:Password</c> (or the password
/// generated once and kept under <c>DataDirectory</c>).
/// </summary>
public static class DemoSchool
{
    public const string Name = "Roche CP School (demo)";

    /// <summary>The demo school office's email address and phone number.</summary>
    public const string OfficeEmail = "office@demo.school";
    public const string OfficePhone = "01632 960000";
    public const string Domain = "demo.school";

    private sealed record StaffSeed(string Email, string Name, string[] Roles, bool Familiar);

    private static readonly StaffSeed[] Staff =
    [
        new("admin@demo.school", "Alex Morgan (admin)", [People.Roles.Admin], false),
        new("head@demo.school", "Helen Carter (head teacher)", [People.Roles.Slt], true),
        new("dsl@demo.school", "David Okafor (DSL)", [People.Roles.Dsl], true),
        new("teacher1@demo.school", "Emma Hughes", [People.Roles.Teacher], true),
        new("teacher2@demo.school", "James Patel", [People.Roles.Teacher], true),
        new("teacher3@demo.school", "Rachel Lewis", [People.Roles.Teacher], false),
    ];

    private sealed record GuardianSeed(string Key, string Name, string Relationship, bool ParentalResponsibility, string? Email, string? Phone);

    private sealed record PupilSeed(string Name, DateOnly Born, string[] GuardianKeys);

    private static readonly GuardianSeed[] Guardians =
    [
        new("sarah", "Sarah Brown", "Mother", true, "sarah.brown@example.org", "07700 900101"),
        new("mark", "Mark Taylor", "Father", true, "mark.taylor@example.org", "07700 900102"),
        new("jane", "Jane Taylor", "Mother", true, "jane.taylor@example.org", "07700 900103"),
        new("tom", "Tom Evans", "Foster carer", false, "tom.evans@example.org", "07700 900104"),
        new("kelly", "Kelly Smith", "Mother", true, null, "07700 900105"),
        new("priya", "Priya Wilson", "Mother", true, "priya.wilson@example.org", "07700 900106"),
        new("gareth", "Gareth Jones", "Grandfather", false, "gareth.jones@example.org", null),
        new("megan", "Megan Jones", "Mother", true, "megan.jones@example.org", "07700 900107"),
    ];

    private static readonly PupilSeed[] Pupils =
    [
        new("Amelia Brown", new DateOnly(2016, 3, 14), ["sarah"]),
        new("Oliver Brown", new DateOnly(2018, 9, 2), ["sarah"]),
        new("Isla Taylor", new DateOnly(2017, 5, 21), ["mark", "jane"]),
        new("Freya Evans", new DateOnly(2017, 11, 8), ["tom"]),
        new("Noah Smith", new DateOnly(2016, 7, 30), ["kelly"]),
        new("Leo Wilson", new DateOnly(2019, 1, 17), ["priya"]),
        new("Cerys Jones", new DateOnly(2018, 2, 5), ["megan", "gareth"]),
    ];

    private static readonly (DateOnly First, DateOnly Last, string Reason)[] Closures =
    [
        (new(2026, 12, 21), new(2027, 1, 1), "Christmas holidays"),
        (new(2027, 1, 4), new(2027, 1, 4), "INSET day"),
        (new(2027, 2, 15), new(2027, 2, 19), "February half term"),
        (new(2027, 3, 26), new(2027, 4, 9), "Easter holidays (with Good Friday and Easter Monday)"),
        (new(2027, 5, 3), new(2027, 5, 3), "Early May bank holiday"),
        (new(2027, 5, 31), new(2027, 6, 4), "May half term (with the spring bank holiday)"),
    ];

    /// <summary>The school year 2026–27's terms, between the closures above.</summary>
    private static readonly (string Name, DateOnly First, DateOnly Last)[] Terms =
    [
        ("Autumn 1", new(2026, 9, 3), new(2026, 10, 23)),
        ("Autumn 2", new(2026, 11, 2), new(2026, 12, 18)),
        ("Spring 1", new(2027, 1, 5), new(2027, 2, 12)),
        ("Spring 2", new(2027, 2, 22), new(2027, 3, 25)),
        ("Summer 1", new(2027, 4, 12), new(2027, 5, 28)),
        ("Summer 2", new(2027, 6, 7), new(2027, 7, 21)),
    ];

    public static async Task<string> SeedAsync(IServiceProvider services, IConfiguration configuration, DataDirectory data, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        var password = DemoPassword(configuration, data);

        foreach (var role in People.Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole<Guid>(role) { Id = Guid.CreateVersion7() }), $"role {role}");
            }
        }

        var school = await db.Schools.FirstOrDefaultAsync(s => s.Name == Name, ct);
        if (school is null)
        {
            // The office's contact as the emails and the family's page give it (a drama number, reserved by Ofcom for fiction).
            school = new School { Name = Name, OfficeEmail = OfficeEmail, OfficePhone = OfficePhone };
            school.Closures.AddRange(Closures.Select(c => new Closure { FirstDay = c.First, LastDay = c.Last, Reason = c.Reason }));
            db.Schools.Add(school);
            db.AddRange(Terms.Select(t => new Term { SchoolId = school.Id, Name = t.Name, FirstDay = t.First, LastDay = t.Last }));
            await db.SaveChangesAsync(ct);
        }

        foreach (var seed in Staff)
        {
            var user = await users.FindByEmailAsync(seed.Email);
            if (user is null)
            {
                user = new StaffMember
                {
                    SchoolId = school.Id,
                    Name = seed.Name,
                    UserName = seed.Email,
                    Email = seed.Email,
                    EmailConfirmed = true,
                    FamiliarisationConfirmedOn = seed.Familiar ? new DateOnly(2026, 9, 1) : null,
                };
                Check(await users.CreateAsync(user, password), seed.Email);
                Check(await users.AddToRolesAsync(user, seed.Roles), seed.Email);
            }
            else if (!await users.CheckPasswordAsync(user, password))
            {
                Check(await users.RemovePasswordAsync(user), seed.Email);
                Check(await users.AddPasswordAsync(user, password), seed.Email);
            }
        }

        await TurnOnTwoFactorAsync(scope.ServiceProvider, users, TotpSecret(configuration, data), ct);

        if (!await db.Pupils.AnyAsync(p => p.SchoolId == school.Id, ct))
        {
            var guardians = Guardians.ToDictionary(g => g.Key, g => new Guardian
            {
                SchoolId = school.Id, Name = g.Name, Relationship = g.Relationship,
                HasParentalResponsibility = g.ParentalResponsibility, Email = g.Email, Phone = g.Phone,
            });
            db.Guardians.AddRange(guardians.Values);
            foreach (var p in Pupils)
            {
                var pupil = new Pupil { SchoolId = school.Id, Name = p.Name, DateOfBirth = p.Born };
                pupil.Guardians.AddRange(p.GuardianKeys.Select(k => new PupilGuardian { SchoolId = school.Id, PupilId = pupil.Id, GuardianId = guardians[k].Id }));
                db.Pupils.Add(pupil);
            }
            await db.SaveChangesAsync(ct);
        }
        return password;
    }

    /// <summary><c>Demo:Password</c> when set; otherwise one generated at first start and kept in <c>{DataDirectory}/demo-password.txt</c>.</summary>
    public static string DemoPassword(IConfiguration configuration, DataDirectory data)
    {
        if (configuration["Demo:Password"] is { Length: > 0 } configured)
        {
            return configured;
        }
        var file = data.Combine("demo-password.txt");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }
        Directory.CreateDirectory(data.Path);
        var generated = "demo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        File.WriteAllText(file, generated);
        return generated;
    }

    public static bool GeneratedPassword(IConfiguration configuration) => configuration["Demo:Password"] is not { Length: > 0 };

    /// <summary>The demo accounts with two-factor sign-in on (their roles need it to read concerns).</summary>
    public static IReadOnlyList<string> TwoFactorStaff { get; } = ["dsl@demo.school", "head@demo.school"];

    /// <summary>
    /// The demo DSL's and head's authenticator key (base32): <c>Demo:TotpSecret</c> when set;
    /// otherwise one generated at first start and kept in <c>{DataDirectory}/demo-totp-secret.txt</c>.
    /// </summary>
    public static string TotpSecret(IConfiguration configuration, DataDirectory data)
    {
        if (configuration["Demo:TotpSecret"] is { Length: > 0 } configured)
        {
            return Base32(configured);
        }
        var file = data.Combine("demo-totp-secret.txt");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } kept)
        {
            return Base32(kept);
        }
        Directory.CreateDirectory(data.Path);
        var generated = OtpNet.Base32Encoding.ToString(RandomNumberGenerator.GetBytes(20)).TrimEnd('=');
        File.WriteAllText(file, generated);
        return generated;
    }

    public static bool GeneratedTotpSecret(IConfiguration configuration) => configuration["Demo:TotpSecret"] is not { Length: > 0 };

    /// <summary>A base32 key as authenticator apps and Identity keep it: upper case, no spaces or padding.</summary>
    private static string Base32(string key)
    {
        var clean = key.Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        if (clean.Length < 16 || !clean.All(c => c is >= 'A' and <= 'Z' or >= '2' and <= '7'))
        {
            throw new InvalidOperationException("Demo:TotpSecret must be a base32 key of at least 16 characters (A–Z, 2–7).");
        }
        return clean;
    }

    private static async Task TurnOnTwoFactorAsync(IServiceProvider services, UserManager<StaffMember> users, string secret, CancellationToken ct)
    {
        var keys = (IUserAuthenticatorKeyStore<StaffMember>)services.GetRequiredService<IUserStore<StaffMember>>();
        foreach (var email in TwoFactorStaff)
        {
            var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"{email} was not seeded.");
            if (await users.GetAuthenticatorKeyAsync(user) != secret)
            {
                await keys.SetAuthenticatorKeyAsync(user, secret, ct);
                Check(await users.UpdateAsync(user), email);
            }
            if (!await users.GetTwoFactorEnabledAsync(user))
            {
                Check(await users.SetTwoFactorEnabledAsync(user, true), email);
            }
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not seed {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
