using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;
using Chaperone.Tests.Records;
using Microsoft.EntityFrameworkCore;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Concerns;

/// <summary>
/// A pupil's child protection file, for their next school's DSL: the pupil, their parents and
/// carers, every raised concern with what was reported and its whole chronology, as a PDF. Only
/// the DSL and deputies make it, and each one made is audited.
/// </summary>
public abstract class ChildProtectionFileTests(ChaperoneApp app)
{
    [Fact]
    public async Task TheDslDownloadsTheFileWithEveryConcernAndItsChronologyAndItIsAudited()
    {
        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        var safeguarding = await RaiseAsync(teacher, Safeguarding(school));
        var id = safeguarding.GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{id}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{id}/actions", new { text = "Referred to children's social care ACTION-MARK." }), HttpStatusCode.OK);
        // A behaviour concern about the same pupil, and one about another pupil that is not theirs to carry.
        await RaiseAsync(teacher, new { pupilIds = new[] { school.TwoParentPupil.ToString() }, kind = "behaviour", summary = "Swore at the camera TOBY-BEHAVIOUR", detail = "Twice." });
        await RaiseAsync(teacher, Behaviour(school));
        // A draft is its author's until raised.
        await app.WithDbAsync(async db =>
        {
            var draft = new Chaperone.Concerns.Concern
            {
                SchoolId = school.SchoolId, Number = 99, Kind = Chaperone.Concerns.ConcernKind.Safeguarding, Status = Chaperone.Concerns.ConcernStatus.Draft,
                RaisedById = school.TeacherId, RaisedByName = "Teacher", CreatedAt = app.Clock.GetUtcNow(), Summary = "DRAFT-MARK", Detail = "Not finished.",
            };
            db.Add(draft);
            db.Add(new Chaperone.Concerns.ConcernPupil { SchoolId = school.SchoolId, ConcernId = draft.Id, PupilId = school.TwoParentPupil });
            return await db.SaveChangesAsync();
        });

        var response = await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/child-protection-file");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.StartsWith("child-protection-file-toby-twoparents-", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var text = RecordApiTests.PdfText(await response.Content.ReadAsByteArrayAsync());
        foreach (var expected in new[]
        {
            "child protection file of Toby Twoparents", "Confidential.", "Mia Mother", "Fred Father", "Parental responsibility",
            "SUMMARY-MARK", "DETAIL-MARK", "WORDS-MARK", "ACTION-MARK", "TOBY-BEHAVIOUR", "Acknowledged",
            safeguarding.GetProperty("reference").GetString()!,
        })
        {
            Assert.True(text.Contains(expected, StringComparison.Ordinal), $"The file lacks \"{expected}\". It reads: {text}");
        }
        Assert.DoesNotContain("BEHAVIOUR-MARK", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DRAFT-MARK", text, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e =>
            e.SubjectId == school.TwoParentPupil.ToString() && e.Action == Chaperone.Audit.AuditActions.ChildProtectionFileMade)));

        // The chronology page offers it to the DSL, and not to a senior leader.
        Assert.Contains($"/api/v1/pupils/{school.TwoParentPupil}/child-protection-file", await dsl.GetStringAsync($"/pupils/{school.TwoParentPupil}/chronology"), StringComparison.Ordinal);
        Assert.DoesNotContain("child-protection-file", await slt.GetStringAsync($"/pupils/{school.TwoParentPupil}/chronology"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFileNamesNoOtherChildAConcernIsAlsoAboutSinceItIsPassedOn()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        await RaiseAsync(await school.TeacherAsync(app), new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString(), school.SiblingA.ToString(), school.SiblingB.ToString() }, kind = "safeguarding",
            summary = "Fight with Ava SUMMARY-MARK", detail = "Toby pushed Ava Sibling and Ben. DETAIL-MARK", childsOwnWords = "AVA started it WORDS-MARK",
        });

        var text = RecordApiTests.PdfText(await (await dsl.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/child-protection-file")).Content.ReadAsByteArrayAsync());

        foreach (var expected in new[] { "Also about", "2 other children", "records held by", "SUMMARY-MARK", "DETAIL-MARK", "WORDS-MARK", "Toby pushed another child and another child." })
        {
            Assert.True(text.Contains(expected, StringComparison.Ordinal), $"The file lacks \"{expected}\". It reads: {text}");
        }
        foreach (var other in new[] { "Ava", "AVA", "Ben", "Sibling" })
        {
            Assert.False(text.Contains(other, StringComparison.Ordinal), $"The file names \"{other}\". It reads: {text}");
        }
    }

    [Fact]
    public async Task OnlyTheDslMakesItAndOnlyForTheirOwnSchoolsPupils()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        var url = $"/api/v1/pupils/{school.TwoParentPupil}/child-protection-file";

        foreach (var (who, client) in new[] { ("teacher", await school.TeacherAsync(app)), ("senior leader", slt), ("admin", await school.AdminAsync(app)), ("DSL without two factors", await DslWithoutTwoFactorAsync(app, school)) })
        {
            var problem = await Api.ProblemAsync(await client.GetAsync(url), HttpStatusCode.Forbidden);
            Assert.True(problem.GetProperty("detail").GetString()!.Contains("designated safeguarding lead", StringComparison.Ordinal), who);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.AnonymousClient(app).GetAsync(url)).StatusCode);
        // Another school's DSL, and ids that name nobody.
        var other = await TestSchool.CreateAsync(app);
        var (otherDsl, _) = await LeadersAsync(app, other);
        await Api.ProblemAsync(await otherDsl.GetAsync(url), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await dsl.GetAsync("/api/v1/pupils/not-an-id/child-protection-file"), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await dsl.GetAsync($"/api/v1/pupils/{Guid.NewGuid()}/child-protection-file"), HttpStatusCode.NotFound);
        // The refusals of those signed in are audited (a DSL yet to set up two factors is stopped before, until they do); nothing was made.
        Assert.Equal(0, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == Chaperone.Audit.AuditActions.ChildProtectionFileMade && e.SchoolId == school.SchoolId)));
        var refused = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.Action == Chaperone.Audit.AuditActions.ConcernAccessRefused && e.SchoolId == school.SchoolId).Select(e => e.ActorName + " " + e.Details).ToListAsync());
        Assert.True(refused.Count == 3 && refused.All(r => r.EndsWith("{\"childProtectionFile\":true}", StringComparison.Ordinal)), string.Join("; ", refused));

        // A pupil with nothing raised still has a file that says so.
        var empty = RecordApiTests.PdfText(await (await dsl.GetAsync($"/api/v1/pupils/{school.SiblingB}/child-protection-file")).Content.ReadAsByteArrayAsync());
        Assert.Contains("No concern has been raised about this pupil in Chaperone.", empty, StringComparison.Ordinal);
    }
}

public sealed class ChildProtectionFileOnSqlite(ChaperoneApp app) : ChildProtectionFileTests(app), IClassFixture<ChaperoneApp>;

public sealed class ChildProtectionFileOnPostgres(PostgresChaperoneApp app) : ChildProtectionFileTests(app), IClassFixture<PostgresChaperoneApp>;
