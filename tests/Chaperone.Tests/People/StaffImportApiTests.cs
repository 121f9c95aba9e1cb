using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chaperone.Notifications;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.People;

/// <summary>Staff from a CSV file: checked whole, imported whole or not at all, each new account invited by email to choose its password.</summary>
public abstract partial class StaffImportApiTests(ChaperoneApp app)
{
    private const string Header = "Name,Email,Roles\n";

    private static Task<HttpResponseMessage> ImportAsync(HttpClient client, string csv, bool dryRun = false) =>
        client.PostAsync($"/api/v1/staff/import{(dryRun ? "?dryRun=true" : "")}", new StringContent(csv, Encoding.UTF8, "text/csv"));

    private static string Unique(string who) => $"{who}.{Guid.NewGuid():N}@school.test";

    private Task<(string User, string Token)> InvitationAsync(string address) => StaffInvitations.LinkAsync(app, address);

    [Fact]
    public async Task AnAdminImportsStaffWhoChooseTheirPasswordsThroughTheEmailedInvitation()
    {
        var school = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);
        var (jo, sam) = (Unique("jo"), Unique("sam"));
        var csv = Header + $"Jo Smith,{jo},teacher\n" + $"Sam Patel,{sam.ToUpperInvariant()},\"Teacher; SLT\"\n" + $"Already Here,{school.TeacherEmail},Teacher\n";

        var checkedOnly = await ImportAsync(admin, csv, dryRun: true);
        Assert.Equal(HttpStatusCode.OK, checkedOnly.StatusCode);
        var dry = await checkedOnly.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((false, 3, 2, 1), (dry.GetProperty("applied").GetBoolean(), dry.GetProperty("rows").GetInt32(), dry.GetProperty("added").GetInt32(), dry.GetProperty("found").GetInt32()));
        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync(u => u.SchoolId == school.SchoolId && u.Name == "Jo Smith")));

        var imported = await ImportAsync(admin, csv);

        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var result = await imported.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("applied").GetBoolean());
        var invited = result.GetProperty("invited").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.Equal(["Teacher"], invited["Jo Smith"]);
        Assert.Equal(["Teacher", "Slt"], invited["Sam Patel"]);
        var staff = await admin.GetFromJsonAsync<JsonElement>("/api/v1/staff");
        Assert.Equal(2, staff.EnumerateArray().Count(s => s.GetProperty("name").GetString() is "Jo Smith" or "Sam Patel"));

        // Jo chooses a password through the invitation and signs in with it; no password worked before.
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = jo, password = "any password at all" })).StatusCode);
        var (user, token) = await InvitationAsync(jo);
        app.Clock.Advance(TimeSpan.FromDays(6)); // well past a forgotten password's hour
        var chosen = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword = "kettle harbour maple" });
        Assert.True(chosen.IsSuccessStatusCode, await chosen.Content.ReadAsStringAsync());
        using var joSignedIn = await app.SignInAsync(jo, "kettle harbour maple");
        Assert.Equal(HttpStatusCode.OK, (await joSignedIn.GetAsync("/api/v1/sessions")).StatusCode);
        // The invitation works once.
        var again = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword = "another long password" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);

        // Importing the same file again adds nobody and invites nobody (the admin signs in again: days have passed).
        using var adminLater = await school.AdminAsync(app);
        var repeat = await (await ImportAsync(adminLater, csv)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, 3), (repeat.GetProperty("added").GetInt32(), repeat.GetProperty("found").GetInt32()));
        var samAsWritten = sam.ToUpperInvariant();
        Assert.Equal(2, await app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => (m.RecipientEmail == jo || m.RecipientEmail == samAsWritten) && m.Kind == MessageKind.PasswordReset)));

        // An invitation works for seven days (a forgotten password's link, an hour); Sam's has run out after that.
        var (samId, samToken) = await InvitationAsync(samAsWritten);
        app.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var late = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user = samId, token = samToken, newPassword = "kettle harbour maple" });
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.True((await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("token", out _));
    }

    [Fact]
    public async Task OneMemberOfStaffAddedWithAnInvitationGetsNoPasswordToHandOverButAnEmailToChooseOne()
    {
        var school = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);
        var pat = Unique("pat");

        var added = await admin.PostAsJsonAsync("/api/v1/staff", new { name = "Pat Invited", email = pat, roles = new[] { "Teacher" }, invite = true });

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var body = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("initialPassword").ValueKind);
        var (user, token) = await InvitationAsync(pat);
        // The admin gives Pat another role before Pat uses the invitation: it still works.
        var roles = await admin.PutAsJsonAsync($"/api/v1/staff/{user}/roles", new { name = "Pat Invited", email = pat, roles = new[] { "Teacher", "Admin" } });
        Assert.Equal(HttpStatusCode.OK, roles.StatusCode);
        Assert.True((await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user, token, newPassword = "violet compass river" })).IsSuccessStatusCode);
        using var patSignedIn = await app.SignInAsync(pat, "violet compass river");
        // Their own choice: nothing left to change first.
        Assert.Equal(HttpStatusCode.OK, (await patSignedIn.GetAsync("/api/v1/sessions")).StatusCode);
        // An invitation sent to an address since changed no longer works: it went to the old one.
        var moved = Unique("moved");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/staff", new { name = "Moe Moved", email = moved, roles = new[] { "Teacher" }, invite = true })).StatusCode);
        var (movedId, movedToken) = await InvitationAsync(moved);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{movedId}", new { name = "Moe Moved", email = Unique("moe"), roles = new[] { "Teacher" } })).StatusCode);
        var stale = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/reset-password", new { user = movedId, token = movedToken, newPassword = "violet compass river" });
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        // Without the invitation, the one-time password as before.
        var handed = await (await admin.PostAsJsonAsync("/api/v1/staff", new { name = "Kit Handed", email = Unique("kit"), roles = new[] { "Teacher" } })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("cp-", handed.GetProperty("initialPassword").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileWithMistakesImportsNobodyAndSaysRowByRowWhatToFix()
    {
        var school = await TestSchool.CreateAsync(app);
        var elsewhere = await TestSchool.CreateAsync(app);
        using var admin = await school.AdminAsync(app);
        var twice = Unique("twice");
        var csv = Header
            + $"Fine Person,{Unique("fine")},Teacher\n"
            + "No Address,,Teacher\n"
            + $"Bad Role,{Unique("role")},Headteacher\n"
            + $"Twice Once,{twice},Teacher\n"
            + $"Twice Again,{twice},Dsl\n"
            + $"Other School,{elsewhere.TeacherEmail},Teacher\n"
            + $",{Unique("noname")},Teacher\n";

        var refused = await ImportAsync(admin, csv);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["rows[3].email", "rows[4].roles", "rows[6].email", "rows[7].email", "rows[8].name"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Contains("another school", errors.GetProperty("rows[7].email")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("row 5", errors.GetProperty("rows[6].email")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync(u => u.SchoolId == school.SchoolId && u.Name == "Fine Person")));

        var noColumns = await ImportAsync(admin, "Full name,Address\nA,b@c.test\n");
        Assert.Contains("missing: Name, Email, Roles", (await noColumns.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        using var teacher = await school.TeacherAsync(app);
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(teacher, Header + $"X Y,{Unique("x")},Teacher\n")).StatusCode);
    }
}

public sealed class StaffImportApiOnSqlite(ChaperoneApp app) : StaffImportApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class StaffImportApiOnPostgres(PostgresChaperoneApp app) : StaffImportApiTests(app), IClassFixture<PostgresChaperoneApp>;
