using System.Net.Http.Json;
using Chaperone.People;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A fresh school of its own for one test, so tests sharing an app never meet each other's
/// sessions: a familiar teacher, an unfamiliar one, a senior leader, an admin; siblings sharing a
/// parent; a pupil with two parents; a pupil whose only adult is a carer without parental
/// responsibility; a pupil whose parent has no email address. A DSL, who reads but does not book.
/// </summary>
public sealed record TestSchool(
    Guid SchoolId,
    string TeacherEmail,
    Guid TeacherId,
    string OtherTeacherEmail,
    Guid OtherTeacherId,
    string UnfamiliarTeacherEmail,
    Guid UnfamiliarTeacherId,
    string SltEmail,
    Guid SltId,
    string DslEmail,
    string AdminEmail,
    Guid AdminId,
    Guid SiblingA,
    Guid SiblingB,
    Guid SharedParent,
    Guid TwoParentPupil,
    Guid Mother,
    Guid Father,
    Guid CarerOnlyPupil,
    Guid CarerWithoutResponsibility,
    Guid NoEmailPupil,
    Guid NoEmailParent)
{
    public const string Password = "test-school-password";

    public static async Task<TestSchool> CreateAsync(ChaperoneApp app, Action<School>? configure = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var school = new School { Name = $"Test school {tag}" };
        configure?.Invoke(school);
        db.Schools.Add(school);
        await db.SaveChangesAsync();

        async Task<StaffMember> Staff(string who, string role, bool familiar)
        {
            var email = $"{who}.{tag}@school.test";
            var user = new StaffMember
            {
                SchoolId = school.Id, Name = $"{who} {tag}", UserName = email, Email = email, EmailConfirmed = true,
                FamiliarisationConfirmedOn = familiar ? new DateOnly(2026, 9, 1) : null,
            };
            Check(await users.CreateAsync(user, Password));
            Check(await users.AddToRoleAsync(user, role));
            if (role is Roles.Slt or Roles.Dsl)
            {
                // The DSL and senior leaders sign in with two factors, as the school's would.
                var keys = (IUserAuthenticatorKeyStore<StaffMember>)scope.ServiceProvider.GetRequiredService<IUserStore<StaffMember>>();
                await keys.SetAuthenticatorKeyAsync(user, ChaperoneApp.DemoTotpSecret, CancellationToken.None);
                Check(await users.UpdateAsync(user));
                Check(await users.SetTwoFactorEnabledAsync(user, true));
            }
            return user;
        }

        var teacher = await Staff("teacher", Roles.Teacher, true);
        var other = await Staff("teacher2", Roles.Teacher, true);
        var unfamiliar = await Staff("teacher3", Roles.Teacher, false);
        var slt = await Staff("head", Roles.Slt, true);
        var dsl = await Staff("dsl", Roles.Dsl, true);
        var admin = await Staff("admin", Roles.Admin, false);

        Guardian G(string name, string relationship, bool pr, string? email) =>
            new() { SchoolId = school.Id, Name = name, Relationship = relationship, HasParentalResponsibility = pr, Email = email };
        Pupil P(string name, params Guardian[] guardians)
        {
            var pupil = new Pupil { SchoolId = school.Id, Name = name };
            pupil.Guardians.AddRange(guardians.Select(g => new PupilGuardian { SchoolId = school.Id, PupilId = pupil.Id, GuardianId = g.Id }));
            return pupil;
        }
        var shared = G("Sam Parent", "Mother", true, $"sam.{tag}@family.test");
        var mother = G("Mia Mother", "Mother", true, $"mia.{tag}@family.test");
        var father = G("Fred Father", "Father", true, $"fred.{tag}@family.test");
        var carer = G("Cal Carer", "Foster carer", false, $"cal.{tag}@family.test");
        var noEmail = G("Nia NoEmail", "Mother", true, null);
        db.Guardians.AddRange(shared, mother, father, carer, noEmail);
        var siblingA = P("Ava Sibling", shared);
        var siblingB = P("Ben Sibling", shared);
        var twoParents = P("Toby Twoparents", mother, father);
        var carerOnly = P("Cara Careronly", carer);
        var noEmailPupil = P("Nell Noemail", noEmail);
        db.Pupils.AddRange(siblingA, siblingB, twoParents, carerOnly, noEmailPupil);
        await db.SaveChangesAsync();

        return new TestSchool(school.Id, teacher.Email!, teacher.Id, other.Email!, other.Id, unfamiliar.Email!, unfamiliar.Id,
            slt.Email!, slt.Id, dsl.Email!, admin.Email!, admin.Id, siblingA.Id, siblingB.Id, shared.Id, twoParents.Id, mother.Id, father.Id,
            carerOnly.Id, carer.Id, noEmailPupil.Id, noEmail.Id);
    }

    public Task<HttpClient> TeacherAsync(ChaperoneApp app) => app.SignInAsync(TeacherEmail, Password);

    /// <summary>The signed-in principal of a member of staff, as the app makes it at sign-in, for calling a feature's class directly.</summary>
    public static async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync(IServiceProvider services, Guid staffId)
    {
        var user = (await services.GetRequiredService<UserManager<StaffMember>>().FindByIdAsync(staffId.ToString()))!;
        return await services.GetRequiredService<IUserClaimsPrincipalFactory<StaffMember>>().CreateAsync(user);
    }
    public Task<HttpClient> OtherTeacherAsync(ChaperoneApp app) => app.SignInAsync(OtherTeacherEmail, Password);
    public Task<HttpClient> UnfamiliarTeacherAsync(ChaperoneApp app) => app.SignInAsync(UnfamiliarTeacherEmail, Password);
    public Task<HttpClient> SltAsync(ChaperoneApp app) => app.SignInAsync(SltEmail, Password);
    public Task<HttpClient> DslAsync(ChaperoneApp app) => app.SignInAsync(DslEmail, Password);
    public Task<HttpClient> AdminAsync(ChaperoneApp app) => app.SignInAsync(AdminEmail, Password);

    /// <summary>A valid booking body for <paramref name="pupil"/> with <paramref name="guardian"/>, as the API takes it.</summary>
    public object Booking(DateTimeOffset start, Guid? pupil = null, Guid? guardian = null, int durationMinutes = 30, Guid? teacher = null) => new
    {
        teacherId = (teacher ?? TeacherId).ToString(),
        pupilIds = new[] { (pupil ?? TwoParentPupil).ToString() },
        guardianIds = new[] { (guardian ?? Mother).ToString() },
        kind = "support",
        start = start.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
        durationMinutes,
    };

    /// <summary>Toby's booking with both his parents, Mia Mother and Fred Father, invited.</summary>
    public object TwoParentBooking(DateTimeOffset start) => new
    {
        teacherId = TeacherId.ToString(),
        pupilIds = new[] { TwoParentPupil.ToString() },
        guardianIds = new[] { Mother.ToString(), Father.ToString() },
        kind = "support",
        start = start.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
        durationMinutes = 30,
    };

    /// <summary>A small group's booking: Toby with Mia Mother, and Ava with Sam Parent, two families in one call.</summary>
    public object GroupBooking(DateTimeOffset start) => new
    {
        teacherId = TeacherId.ToString(),
        pupilIds = new[] { TwoParentPupil.ToString(), SiblingA.ToString() },
        guardianIds = new[] { Mother.ToString(), SharedParent.ToString() },
        kind = "support",
        start = start.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
        durationMinutes = 30,
    };

    public static Task<HttpResponseMessage> BookAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/v1/sessions", body);

    /// <summary>Books and insists on 201; returns the new session's id.</summary>
    public static async Task<string> BookOkAsync(HttpClient client, object body)
    {
        var response = await BookAsync(client, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"Expected 201, got {(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>How many sessions this school has in the database, whatever their status.</summary>
    public Task<int> SessionCountAsync(ChaperoneApp app) =>
        app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Sessions, s => s.SchoolId == SchoolId));

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
