using System.Text.RegularExpressions;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Concerns;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Concerns;

/// <summary>
/// Who sees what (clause 12), over every concern endpoint and page, on each database: the raiser
/// sees their own (but not its handlers' entries); another teacher nothing; a senior leader behaviour concerns; the DSL both; a
/// DSL without a second factor, an admin and another school's DSL nothing. Refused reads are audited.
/// </summary>
public abstract class ConcernAccessTests(ChaperoneApp app)
{
    private sealed record Who(string Name, HttpClient Client);

    [Fact]
    public async Task EveryRoleSeesExactlyWhatItShouldOnEveryEndpointAndPage()
    {
        var school = await TestSchool.CreateAsync(app);
        var other = await TestSchool.CreateAsync(app);
        var dslWithoutSecondFactor = await DslWithoutTwoFactorAsync(app, school);
        var (dsl, slt) = await LeadersAsync(app, school);
        await EnrolAsync(app, other.DslEmail);
        var raiser = await school.TeacherAsync(app);
        var s = (await RaiseAsync(raiser, Safeguarding(school))).GetProperty("id").GetString()!;
        var b = (await RaiseAsync(raiser, Behaviour(school))).GetProperty("id").GetString()!;

        var people = new[]
        {
            new Who("raiser", raiser),
            new Who("other teacher", await school.OtherTeacherAsync(app)),
            new Who("slt", slt),
            new Who("dsl", dsl),
            new Who("admin", await school.AdminAsync(app)),
            new Who("other school's dsl", await other.DslAsync(app)),
        };
        // (list, read S, read B, action on S, action on B, pupil chronology holds S)
        var expected = new Dictionary<string, (string[] List, int ReadS, int ReadB, int ActS, int ActB, bool ChronologyS)>
        {
            ["raiser"] = ([s, b], 200, 200, 403, 403, true),
            ["other teacher"] = ([], 404, 404, 404, 404, false),
            ["slt"] = ([b], 404, 200, 404, 200, false),
            ["dsl"] = ([s, b], 200, 200, 200, 200, true),
            ["admin"] = ([], 404, 404, 404, 404, false),
            ["other school's dsl"] = ([], 404, 404, 404, 404, false),
        };

        foreach (var who in people)
        {
            var want = expected[who.Name];
            var c = who.Client;
            var list = await Api.JsonAsync(await c.GetAsync("/api/v1/concerns"), HttpStatusCode.OK);
            Assert.True(want.List.Order().SequenceEqual(list.EnumerateArray().Select(x => x.GetProperty("id").GetString()!).Order()), $"{who.Name}: list");
            Assert.True((int)(await c.GetAsync($"/api/v1/concerns/{s}")).StatusCode == want.ReadS, $"{who.Name}: GET S");
            Assert.True((int)(await c.GetAsync($"/api/v1/concerns/{b}")).StatusCode == want.ReadB, $"{who.Name}: GET B");
            Assert.True((int)(await c.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "Called the family." })).StatusCode == want.ActS, $"{who.Name}: action S");
            Assert.True((int)(await c.PostAsJsonAsync($"/api/v1/concerns/{b}/actions", new { text = "Spoke to the pupil.", type = "outcome" })).StatusCode == want.ActB, $"{who.Name}: action B");

            var chronology = await c.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/chronology");
            if (who.Name == "other school's dsl")
            {
                await Api.ProblemAsync(chronology, HttpStatusCode.NotFound);
            }
            else
            {
                var entries = await Api.JsonAsync(chronology, HttpStatusCode.OK);
                Assert.True(want.ChronologyS == entries.EnumerateArray().Any(e => e.GetProperty("concernId").GetString() == s), $"{who.Name}: pupil chronology");
            }

            // The pages say the same.
            Assert.True((int)(await c.GetAsync($"/concerns/{s}")).StatusCode == (want.ReadS == 200 ? 200 : 404), $"{who.Name}: page S");
            var inbox = await c.GetAsync("/concerns");
            var html = await inbox.Content.ReadAsStringAsync();
            Assert.True(want.List.Contains(s) == html.Contains($"data-concern=\"{s}\"", StringComparison.Ordinal), $"{who.Name}: inbox page S");
            Assert.True(want.List.Contains(b) == html.Contains($"data-concern=\"{b}\"", StringComparison.Ordinal), $"{who.Name}: inbox page B");
            Assert.DoesNotContain(want.List.Contains(s) ? "\u0001" : "SUMMARY-MARK", html, StringComparison.Ordinal);
            var pupilPage = await (await c.GetAsync($"/pupils/{school.TwoParentPupil}/chronology")).Content.ReadAsStringAsync();
            Assert.True(want.ChronologyS == pupilPage.Contains($"/concerns/{s}", StringComparison.Ordinal), $"{who.Name}: pupil chronology page");
        }

        // The DSL without a second factor is refused everything until they sign in with two factors
        // (the API says so), and the pages send them to turn it on rather than show anything.
        foreach (var refusedWithoutSecondFactor in new[]
        {
            await dslWithoutSecondFactor.GetAsync("/api/v1/concerns"), await dslWithoutSecondFactor.GetAsync($"/api/v1/concerns/{s}"),
            await dslWithoutSecondFactor.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "Called the family." }),
            await dslWithoutSecondFactor.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/chronology"),
        })
        {
            var problem = await Api.ProblemAsync(refusedWithoutSecondFactor, HttpStatusCode.Forbidden);
            Assert.Equal("https://chaperone.school/problems/two-factor-required", problem.GetProperty("type").GetString());
        }
        var noRedirect = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        noRedirect.DefaultRequestHeaders.Authorization = dslWithoutSecondFactor.DefaultRequestHeaders.Authorization;
        var redirect = await noRedirect.GetAsync($"/concerns/{s}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("/account/two-factor", redirect.Headers.Location!.OriginalString);

        // Acknowledging: the DSL for safeguarding, a leader for behaviour; the raiser may only amend.
        Assert.Equal(HttpStatusCode.Forbidden, (await raiser.PostAsync($"/api/v1/concerns/{s}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await slt.PostAsync($"/api/v1/concerns/{s}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await people.Single(p => p.Name == "admin").Client.PostAsync($"/api/v1/concerns/{s}/acknowledge", null)).StatusCode);
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{s}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await slt.PostAsync($"/api/v1/concerns/{b}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await raiser.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "I also saw a second mark.", type = "amendment" }), HttpStatusCode.OK);

        // The record only grows: nothing written is changed.
        var concern = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{s}"), HttpStatusCode.OK);
        Assert.Equal(["raised", "alert-sent", "email-queued", "action", "acknowledged", "amendment"], EntryTypes(concern));
        Assert.Equal("Bruise on the arm SUMMARY-MARK", concern.GetProperty("summary").GetString());

        // Every refused read or action is in the audit trail, with who tried.
        var refused = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == AuditActions.ConcernAccessRefused && e.SubjectId == s).Select(e => new { e.SchoolId, e.ActorId }).ToListAsync());
        Assert.Contains(refused, r => r.ActorId == school.OtherTeacherId && r.SchoolId == school.SchoolId);
        Assert.Contains(refused, r => r.ActorId == school.SltId);
        Assert.Contains(refused, r => r.ActorId == school.AdminId);
        Assert.Contains(refused, r => r.ActorId == school.TeacherId); // the raiser's refused acknowledgement
        Assert.Contains(refused, r => r.SchoolId == other.SchoolId);
    }

    [Fact]
    public async Task AnEntryOrAnAcknowledgementAnswersWithTheWholeConcern()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var s = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;

        var afterEntry = await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "Called the family." }), HttpStatusCode.OK);
        Assert.Equal(school.TwoParentPupil.ToString(), Assert.Single(afterEntry.GetProperty("pupils").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal("action", EntryTypes(afterEntry)[^1]);

        var afterAcknowledgement = await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{s}/acknowledge", null), HttpStatusCode.OK);
        Assert.Single(afterAcknowledgement.GetProperty("pupils").EnumerateArray());
        Assert.True(afterAcknowledgement.GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task TheDslClosesAnAcknowledgedConcernWithItsOutcomeListedAfterTheOpenOnesAndMayReopenIt()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        var raiser = await school.TeacherAsync(app);
        var s = (await RaiseAsync(raiser, Safeguarding(school))).GetProperty("id").GetString()!;
        var later = (await RaiseAsync(raiser, Safeguarding(school))).GetProperty("id").GetString()!;

        // Not before it is acknowledged; not without its outcome; not by those who do not handle it.
        Assert.Contains("Acknowledge", (await Api.ProblemAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "Nothing to do." }), HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{s}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{later}/acknowledge", null), HttpStatusCode.OK);
        Assert.Equal(["text"], await Api.BadRequestFieldsAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "  " })));
        await Api.ProblemAsync(await raiser.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "Sorted." }), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await slt.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "Sorted." }), HttpStatusCode.NotFound);

        var closed = await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "Early help plan agreed with the family CLOSE-MARK." }), HttpStatusCode.OK);
        Assert.True(closed.GetProperty("closed").GetBoolean());
        Assert.Equal(JsonValueKind.String, closed.GetProperty("closedAt").ValueKind);
        Assert.StartsWith("dsl ", closed.GetProperty("closedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal(["outcome", "closed"], EntryTypes(closed)[^2..]);
        Assert.Contains("already closed", (await Api.ProblemAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/close", new { text = "Again." }), HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The closed one comes after the open one, in the list and on the inbox page, which says so.
        var list = await Api.JsonAsync(await dsl.GetAsync("/api/v1/concerns"), HttpStatusCode.OK);
        Assert.Equal([later, s], list.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToArray());
        Assert.Equal([false, true], list.EnumerateArray().Select(c => c.GetProperty("closed").GetBoolean()).ToArray());
        var inbox = await (await dsl.GetAsync("/concerns")).Content.ReadAsStringAsync();
        Assert.True(inbox.IndexOf($"data-concern=\"{later}\"", StringComparison.Ordinal) < inbox.IndexOf($"data-concern=\"{s}\"", StringComparison.Ordinal));
        Assert.Contains("Closed by dsl ", inbox, StringComparison.Ordinal);
        Assert.Contains("Closed</strong>", await (await dsl.GetAsync($"/concerns/{s}")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The raiser learns that it was closed, not the outcome the DSL wrote.
        var seenByRaiser = await Api.JsonAsync(await raiser.GetAsync($"/api/v1/concerns/{s}"), HttpStatusCode.OK);
        Assert.True(seenByRaiser.GetProperty("closed").GetBoolean());
        Assert.Equal("closed", EntryTypes(seenByRaiser)[^1]);
        Assert.DoesNotContain("CLOSE-MARK", seenByRaiser.GetRawText(), StringComparison.Ordinal);

        // New information: the DSL reopens it, saying why, and it is open again.
        Assert.Equal(["text"], await Api.BadRequestFieldsAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/reopen", new { text = "" })));
        var reopened = await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/reopen", new { text = "The pupil disclosed more at school." }), HttpStatusCode.OK);
        Assert.False(reopened.GetProperty("closed").GetBoolean());
        Assert.Equal(["action", "reopened"], EntryTypes(reopened)[^2..]);
        await Api.ProblemAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/reopen", new { text = "Again." }), HttpStatusCode.Conflict);
        var actions = await app.WithDbAsync(db => db.AuditEntries.Where(e => e.SubjectId == s).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.ConcernClosed, actions);
        Assert.Contains(AuditActions.ConcernReopened, actions);
    }

    [Fact]
    public async Task TheRaiserSeesWhatHappenedToTheirConcernButNotTheHandlersEntries()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var raiser = await school.TeacherAsync(app);
        var s = (await RaiseAsync(raiser, Safeguarding(school))).GetProperty("id").GetString()!;
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{s}/acknowledge", null), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "Referral to children's social care HANDLER-MARK." }), HttpStatusCode.OK);
        await Api.JsonAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "Family support plan HANDLER-MARK.", type = "outcome" }), HttpStatusCode.OK);
        var amended = await Api.JsonAsync(await raiser.PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = "I also saw a second mark.", type = "amendment" }), HttpStatusCode.OK);

        // The raiser: raised, routed, acknowledged (by whom), and their own amendment.
        var seenByRaiser = await Api.JsonAsync(await raiser.GetAsync($"/api/v1/concerns/{s}"), HttpStatusCode.OK);
        Assert.Equal(["raised", "alert-sent", "email-queued", "acknowledged", "amendment"], EntryTypes(seenByRaiser));
        Assert.Equal(EntryTypes(seenByRaiser), EntryTypes(amended));
        Assert.True(seenByRaiser.GetProperty("acknowledged").GetBoolean());
        Assert.DoesNotContain("HANDLER-MARK", seenByRaiser.GetRawText(), StringComparison.Ordinal);
        var pupilChronology = await Api.JsonAsync(await raiser.GetAsync($"/api/v1/pupils/{school.TwoParentPupil}/chronology"), HttpStatusCode.OK);
        Assert.Contains(pupilChronology.EnumerateArray(), e => e.GetProperty("type").GetString() == "amendment");
        Assert.DoesNotContain("HANDLER-MARK", pupilChronology.GetRawText(), StringComparison.Ordinal);
        var page = await (await raiser.GetAsync($"/concerns/{s}")).Content.ReadAsStringAsync();
        Assert.Contains("I also saw a second mark.", page, StringComparison.Ordinal);
        Assert.Contains("data-raiser-view", page, StringComparison.Ordinal);
        Assert.DoesNotContain("HANDLER-MARK", page, StringComparison.Ordinal);
        var pupilPage = await (await raiser.GetAsync($"/pupils/{school.TwoParentPupil}/chronology")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("HANDLER-MARK", pupilPage, StringComparison.Ordinal);

        // The DSL reads everything.
        var seenByDsl = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{s}"), HttpStatusCode.OK);
        Assert.Equal(["raised", "alert-sent", "email-queued", "acknowledged", "action", "outcome", "amendment"], EntryTypes(seenByDsl));
        var dslPage = await (await dsl.GetAsync($"/concerns/{s}")).Content.ReadAsStringAsync();
        Assert.Contains("HANDLER-MARK", dslPage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-raiser-view", dslPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheListComesWholeOrInPagesUnacknowledgedFirstNewestFirst()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(1));
            ids.Add((await RaiseAsync(teacher, Safeguarding(school))).GetProperty("id").GetString()!);
        }
        await Api.JsonAsync(await dsl.PostAsync($"/api/v1/concerns/{ids[2]}/acknowledge", null), HttpStatusCode.OK);
        // Unacknowledged first (the newest of them first), then the acknowledged one.
        string[] expected = [ids[1], ids[0], ids[2]];

        var whole = await dsl.GetAsync("/api/v1/concerns");
        Assert.Equal(expected, (await Api.JsonAsync(whole, HttpStatusCode.OK)).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("3", Assert.Single(whole.Headers.GetValues("X-Total-Count")));

        var first = await dsl.GetAsync("/api/v1/concerns?page=1&pageSize=2");
        Assert.Equal(expected[..2], (await Api.JsonAsync(first, HttpStatusCode.OK)).EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("3", Assert.Single(first.Headers.GetValues("X-Total-Count")));
        var second = await Api.JsonAsync(await dsl.GetAsync("/api/v1/concerns?page=2&pageSize=2"), HttpStatusCode.OK);
        Assert.Equal(expected[2..], second.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Empty((await Api.JsonAsync(await dsl.GetAsync("/api/v1/concerns?page=9&pageSize=2"), HttpStatusCode.OK)).EnumerateArray());

        Assert.Equal(["page"], await Api.BadRequestFieldsAsync(await dsl.GetAsync("/api/v1/concerns?page=0")));
        Assert.Equal(["pageSize"], await Api.BadRequestFieldsAsync(await dsl.GetAsync("/api/v1/concerns?pageSize=201")));
        Assert.Equal(HttpStatusCode.BadRequest, (await dsl.GetAsync("/api/v1/concerns?page=abc")).StatusCode);
    }

    [Fact]
    public async Task TheInboxPageShowsFiftyAtATimeWithTheUnacknowledgedFirst()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);
        var oldest = (await RaiseAsync(teacher, Safeguarding(school))).GetProperty("id").GetString()!;
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 50; i++)
        {
            await RaiseAsync(teacher, Behaviour(school));
        }

        var first = await (await dsl.GetAsync("/concerns")).Content.ReadAsStringAsync();
        var second = await (await dsl.GetAsync("/concerns?pageNumber=2")).Content.ReadAsStringAsync();

        Assert.Equal(50, Regex.Count(first, "<tr data-concern="));
        Assert.Contains("Page 1 of 2 (51 concerns)", first, StringComparison.Ordinal);
        Assert.Contains("/concerns?pageNumber=2", first, StringComparison.Ordinal);
        Assert.DoesNotContain($"data-concern=\"{oldest}\"", first, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(second, "<tr data-concern="));
        Assert.Contains($"data-concern=\"{oldest}\"", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadingAListOfConcernsIsAuditedWithTheReferencesItShowed()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var raised = await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school));
        var reference = raised.GetProperty("reference").GetString()!;

        await Api.JsonAsync(await dsl.GetAsync("/api/v1/concerns"), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await dsl.GetAsync("/concerns")).StatusCode);
        await Api.JsonAsync(await (await school.OtherTeacherAsync(app)).GetAsync("/api/v1/concerns"), HttpStatusCode.OK);

        var listed = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == AuditActions.ConcernsListed && e.SchoolId == school.SchoolId).Select(e => new { e.ActorId, e.Details }).ToListAsync());
        // The DSL's two readings; the other teacher's empty list showed nothing.
        Assert.Equal(2, listed.Count);
        Assert.Single(listed.Select(e => e.ActorId).Distinct());
        Assert.DoesNotContain(listed, e => e.ActorId == school.OtherTeacherId);
        Assert.All(listed, e => Assert.Contains(reference, e.Details));
    }

    [Fact]
    public async Task EntriesWrittenAtOnceKeepOneOrderInTheChronology()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, slt) = await LeadersAsync(app, school);
        var s = (await RaiseAsync(await school.TeacherAsync(app), Behaviour(school))).GetProperty("id").GetString()!;

        // Written at the same instant (the app's clock stands still), so only their sequence orders them.
        var writes = Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? dsl : slt).PostAsJsonAsync($"/api/v1/concerns/{s}/actions", new { text = $"Entry {i}" }))
            .Append(slt.PostAsync($"/api/v1/concerns/{s}/acknowledge", null));
        Assert.All(await Task.WhenAll(writes), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var id = Guid.Parse(s);
        var sequences = await app.WithDbAsync(db => db.Set<ConcernEntry>().Where(e => e.ConcernId == id).Select(e => e.Sequence).ToListAsync());
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task HostileInputToEveryConcernEndpointIsAProblemNeverA500()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var teacher = await school.TeacherAsync(app);
        var admin = await school.AdminAsync(app);
        var s = (await RaiseAsync(teacher, Safeguarding(school))).GetProperty("id").GetString()!;
        string[] bodies =
        [
            "", "null", "[]", "\"x\"", "{}", "{\"pupilIds\": [null]}", "{\"pupilIds\": \"x\"}", "{\"recordingOffsetSeconds\": 99999999999}",
            "{\"kind\": 5, \"text\": [1]}", "{\"type\": \"\u0000\", \"text\": \"x\"}", "{\"acknowledgeWithinMinutes\": -2147483648, \"headteacherId\": 7}",
            "{\"pupilIds\": [\"" + new string('9', 5000) + "\"], \"kind\": \"behaviour\", \"summary\": \"s\", \"detail\": \"d\", \"sessionId\": \"%00\", \"routeToId\": \"../\"}",
        ];
        foreach (var body in bodies)
        {
            foreach (var (client, url) in new[] { (teacher, "/api/v1/concerns"), (dsl, $"/api/v1/concerns/{s}/actions"), (teacher, $"/api/v1/concerns/{s}/raise"), (dsl, $"/api/v1/concerns/{s}/acknowledge") })
            {
                var response = await Api.PostRawAsync(client, url, body);
                Assert.True((int)response.StatusCode < 500, $"POST {url} {body}: {(int)response.StatusCode}");
            }
            var settings = await admin.PutAsync("/api/v1/concerns/settings", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.True((int)settings.StatusCode < 500, $"PUT settings {body}: {(int)settings.StatusCode}");
        }
        foreach (var id in new[] { "x%20y", "..%2F..", new string('f', 3000), "00000000-0000-0000-0000-000000000000", s.ToUpperInvariant() })
        {
            Assert.True((int)(await dsl.GetAsync($"/api/v1/concerns/{id}")).StatusCode < 500, id);
            Assert.True((int)(await dsl.GetAsync($"/api/v1/pupils/{id}/chronology")).StatusCode < 500, id);
            Assert.True((int)(await dsl.GetAsync($"/concerns/{id}")).StatusCode < 500, id);
            Assert.True((int)(await teacher.GetAsync($"/concerns/new?draft={id}&sessionId={id}")).StatusCode < 500, id);
        }
    }

    [Fact]
    public async Task AConcernIsNeverEditedOrDeletedThroughTheApi()
    {
        var school = await TestSchool.CreateAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var s = (await RaiseAsync(await school.TeacherAsync(app), Safeguarding(school))).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await dsl.PutAsJsonAsync($"/api/v1/concerns/{s}", new { summary = "changed" })).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await dsl.DeleteAsync($"/api/v1/concerns/{s}")).StatusCode);
        // Raising a draft again is refused: a raised concern is not a draft.
        await Api.ProblemAsync(await dsl.PostAsJsonAsync($"/api/v1/concerns/{s}/raise", Safeguarding(school)), HttpStatusCode.NotFound);
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Concern>().CountAsync(c => c.SchoolId == school.SchoolId)));
    }
}

public sealed class ConcernAccessOnSqlite(ChaperoneApp app) : ConcernAccessTests(app), IClassFixture<ChaperoneApp>;

public sealed class ConcernAccessOnPostgres(PostgresChaperoneApp app) : ConcernAccessTests(app), IClassFixture<PostgresChaperoneApp>;
