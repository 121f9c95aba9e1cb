using System.Net;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Records;

/// <summary>A pupil's subject access export as a client reads it: everything held about them, and concerns only for those who may include them.</summary>
public abstract class SubjectAccessApiTests(ChaperoneApp app)
{
    private const string Notes = "Toby read aloud; next time, fractions.";

    [Fact]
    public async Task EverythingHeldAboutAPupilIsExportedAndConcernsOnlyByThoseWhoMayIncludeThem()
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        // Signed in after the call, which moves the app's clock past any earlier token's hour.
        var (dsl, slt) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);
        // Someone else's session, and concerns about Toby of both kinds.
        var siblings = await TestSchool.BookOkAsync(teacher, school.Booking(CallClient.NextSessionStart(app), pupil: school.SiblingA, guardian: school.SharedParent));
        await RaiseAsync(teacher, Safeguarding(school));
        await RaiseAsync(teacher, new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "Rude gestures", detail = "At the camera, twice." });
        Task<HttpResponseMessage> ExportAsync(HttpClient client, Guid pupil, bool concerns = false) =>
            client.GetAsync($"/api/v1/pupils/{pupil}/subject-access{(concerns ? "?includeConcerns=true" : "")}");

        var export = await Api.JsonAsync(await ExportAsync(dsl, school.TwoParentPupil, concerns: true), HttpStatusCode.OK);

        Assert.Equal(school.TwoParentPupil.ToString(), export.GetProperty("pupil").GetProperty("id").GetString());
        Assert.Equal(["Fred Father", "Mia Mother"], Names(export.GetProperty("parentsAndCarers")).Order());
        var session = Assert.Single(export.GetProperty("sessions").EnumerateArray());
        Assert.Equal(sessionId.ToString(), session.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal("Mia Mother", session.GetProperty("consent").GetProperty("guardianName").GetString());
        Assert.Equal(Notes, session.GetProperty("notes").GetString());
        Assert.DoesNotContain(siblings, export.GetRawText(), StringComparison.Ordinal);
        var emails = export.GetProperty("emails").EnumerateArray().ToList();
        Assert.NotEmpty(emails);
        Assert.All(emails, e => Assert.Equal(sessionId.ToString(), e.GetProperty("sessionId").GetString()));
        Assert.Contains(emails, e => e.GetProperty("kind").GetString() == "booked" && e.GetProperty("recipientName").GetString() == "Mia Mother");
        Assert.Contains(export.GetProperty("trail").EnumerateArray(), t => t.GetProperty("action").GetString() == AuditActions.SessionBooked);
        Assert.Equal(["behaviour", "safeguarding"], export.GetProperty("concerns").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).Order());
        Assert.NotEmpty(export.GetProperty("notIncluded").EnumerateArray());

        // A senior leader includes the behaviour concerns they read; without asking, none are in.
        var bySlt = await Api.JsonAsync(await ExportAsync(slt, school.TwoParentPupil, concerns: true), HttpStatusCode.OK);
        Assert.Equal(["behaviour"], bySlt.GetProperty("concerns").EnumerateArray().Select(c => c.GetProperty("kind").GetString()));
        var unasked = await Api.JsonAsync(await ExportAsync(dsl, school.TwoParentPupil), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, unasked.GetProperty("concerns").ValueKind);
        Assert.StartsWith("Not included", unasked.GetProperty("concernsNote").GetString());

        // Nobody else makes one, and no other school's pupil is found.
        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(teacher, school.TwoParentPupil)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(await school.AdminAsync(app), school.TwoParentPupil)).StatusCode);
        var other = await TestSchool.CreateAsync(app);
        await Api.ProblemAsync(await ExportAsync(dsl, other.TwoParentPupil), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await dsl.GetAsync("/api/v1/pupils/not-an-id/subject-access"), HttpStatusCode.NotFound);

        // Each export is in the trail.
        Assert.Equal(3, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.SubjectAccessExported)));
    }

    [Fact]
    public async Task AParentsOwnExportHoldsWhatTheyGaveAndWereSentAndNotTheirChildsNotes()
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, start) = await CallClient.BookAndRunCallAsync(app, school, "completed", Notes);
        var (_, slt) = await LeadersAsync(app, school);
        Task<HttpResponseMessage> ExportAsync(HttpClient client, Guid guardian) => client.GetAsync($"/api/v1/guardians/{guardian}/subject-access");

        var mother = await Api.JsonAsync(await ExportAsync(slt, school.Mother), HttpStatusCode.OK);

        Assert.Equal("Mia Mother", mother.GetProperty("parentOrCarer").GetProperty("name").GetString());
        Assert.Contains(Names(mother.GetProperty("pupils")), n => n == "Toby Twoparents");
        var session = Assert.Single(mother.GetProperty("sessions").EnumerateArray());
        Assert.Equal(sessionId.ToString(), session.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal(start.AddMinutes(-3), session.GetProperty("consent").GetProperty("givenAt").GetDateTimeOffset());
        Assert.NotEmpty(session.GetProperty("checklists").EnumerateArray());
        Assert.NotEmpty(session.GetProperty("attendance").EnumerateArray());
        var emails = mother.GetProperty("emails").EnumerateArray().ToList();
        Assert.NotEmpty(emails);
        Assert.All(emails, e => Assert.Equal("Mia Mother", e.GetProperty("recipientName").GetString()));
        Assert.DoesNotContain(Notes, mother.GetRawText(), StringComparison.Ordinal);

        // The father was not invited: his export holds him and his child, and no session.
        var father = await Api.JsonAsync(await ExportAsync(slt, school.Father), HttpStatusCode.OK);
        Assert.Empty(father.GetProperty("sessions").EnumerateArray());
        Assert.Empty(father.GetProperty("emails").EnumerateArray());

        Assert.Equal(HttpStatusCode.Forbidden, (await ExportAsync(await school.TeacherAsync(app), school.Mother)).StatusCode);
        await Api.ProblemAsync(await ExportAsync(slt, (await TestSchool.CreateAsync(app)).Mother), HttpStatusCode.NotFound);
        Assert.Equal(2, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.GuardianSubjectAccessExported)));
    }

    private static IEnumerable<string> Names(JsonElement people) => people.EnumerateArray().Select(p => p.GetProperty("name").GetString()!);
}

public sealed class SubjectAccessApiOnSqlite(ChaperoneApp app) : SubjectAccessApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class SubjectAccessApiOnPostgres(PostgresChaperoneApp app) : SubjectAccessApiTests(app), IClassFixture<PostgresChaperoneApp>;
