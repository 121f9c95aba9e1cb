using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chaperone.Audit;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Calls;

/// <summary>
/// Clause 11 after the call, through the API: a pupil who never came is marked as not attending
/// (which ends the session, and the clauses only a call meets no longer apply), a held call's
/// outcome can be corrected, and what cannot be marked says why.
/// </summary>
public abstract class OutcomeApiTests(ChaperoneApp app)
{
    private static Task<HttpResponseMessage> MarkAsync(HttpClient client, string id, object body) =>
        client.PostAsJsonAsync($"/api/v1/sessions/{id}/outcome", body);

    /// <summary>A new school's session of Toby with Mia Mother, booked at <see cref="CallClient.NextSessionStart"/>.</summary>
    private async Task<(TestSchool School, DateTimeOffset Start, string Id)> BookedAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        return (school, start, await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start, school.TwoParentPupil, school.Mother)));
    }

    private static async Task<Dictionary<int, JsonElement>> ClausesAsync(HttpClient client, string id) =>
        (await Api.JsonAsync(await client.GetAsync($"/api/v1/sessions/{id}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().ToDictionary(c => c.GetProperty("clause").GetInt32());

    [Fact]
    public async Task APupilWhoNeverCameIsMarkedDidNotAttendOnceTheTimeHasComeWhichEndsTheSession()
    {
        var (school, start, id) = await BookedAsync();
        const string notes = "Rang home: Toby was unwell.";

        var early = await Api.ProblemAsync(await MarkAsync(await school.TeacherAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Conflict);
        Assert.Contains("time has come", early.GetProperty("detail").GetString(), StringComparison.Ordinal);

        app.Clock.SetUtcNow(start.AddMinutes(12));
        var teacher = await school.TeacherAsync(app);
        var held = await Api.ProblemAsync(await MarkAsync(teacher, id, new { outcome = "completed" }), HttpStatusCode.Conflict);
        Assert.Contains("did not attend", held.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var marked = await Api.JsonAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend", notes }), HttpStatusCode.OK);
        Assert.Equal("did-not-attend", marked.GetProperty("outcome").GetString());

        var session = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK);
        Assert.Equal("ended", session.GetProperty("status").GetString());
        var clauses = await ClausesAsync(teacher, id);
        foreach (var settledAtBooking in new[] { 2, 3, 4, 8 })
        {
            Assert.Equal("met", clauses[settledAtBooking].GetProperty("status").GetString());
        }
        foreach (var onlyACallMeets in new[] { 1, 5, 6, 7, 9, 10, 12 })
        {
            Assert.True(clauses[onlyACallMeets].GetProperty("status").GetString() == "not-applicable", $"Clause {onlyACallMeets}: {clauses[onlyACallMeets]}");
        }
        Assert.Equal("met", clauses[11].GetProperty("status").GetString());
        Assert.Contains(clauses[11].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "not-held");

        // The notes are the session record's: its teacher and leaders read them, an admin does not.
        var read = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK);
        Assert.Equal(notes, read.GetProperty("notes").GetString());
        Assert.Equal(notes, (await Api.JsonAsync(await (await school.SltAsync(app)).GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK)).GetProperty("notes").GetString());
        await Api.ProblemAsync(await (await school.AdminAsync(app)).GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.Forbidden);

        // The marking is in the audit trail with the notes' hash, so the notes on record are tamper-evident.
        var details = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.OutcomeRecorded && e.SubjectId == id).Select(e => e.Details).SingleAsync());
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(notes))), details!, StringComparison.Ordinal);

        // Ended, the session can no longer be cancelled, and a call that never took place cannot be said to have been completed.
        await Api.ProblemAsync(await Api.CancelAsync(teacher, id), HttpStatusCode.Conflict);
        await Api.ProblemAsync(await MarkAsync(teacher, id, new { outcome = "completed" }), HttpStatusCode.Conflict);
        Assert.Equal("did-not-attend", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task WhatCannotBeMarkedIsRefusedFieldByFieldOrSaysWhy()
    {
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var teacherBefore = await school.TeacherAsync(app);
        var id = await TestSchool.BookOkAsync(teacherBefore, school.Booking(start, school.TwoParentPupil, school.Mother));
        var cancelled = await TestSchool.BookOkAsync(teacherBefore, school.Booking(start.AddHours(2), school.TwoParentPupil, school.Mother));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(teacherBefore, cancelled)).StatusCode);
        app.Clock.SetUtcNow(start.AddMinutes(40));
        var teacher = await school.TeacherAsync(app);

        Assert.Equal(["outcome"], await Api.BadRequestFieldsAsync(await MarkAsync(teacher, id, new { outcome = "went-well" })));
        Assert.Equal(["notes"], await Api.BadRequestFieldsAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend", notes = new string('x', 4001) })));
        Assert.Equal(["notes"], await Api.BadRequestFieldsAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend", notes = "bell\u0007" })));
        Assert.Equal(["confirmed"], await Api.BadRequestFieldsAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend", confirmed = new[] { "consent" } })));
        await Api.ProblemAsync(await Api.PostRawAsync(teacher, $"/api/v1/sessions/{id}/outcome", "{\"outcome\": 3"), HttpStatusCode.BadRequest);
        // Another teacher's session is not theirs to mark (403); another school's, or no session at all: not found.
        await Api.ProblemAsync(await MarkAsync(await school.OtherTeacherAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        var elsewhere = await TestSchool.CreateAsync(app);
        await Api.ProblemAsync(await MarkAsync(await elsewhere.TeacherAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await MarkAsync(teacher, "not-an-id", new { outcome = "did-not-attend" }), HttpStatusCode.NotFound);
        await Api.ProblemAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.NotFound);
        var none = await Api.ProblemAsync(await MarkAsync(teacher, cancelled, new { outcome = "did-not-attend" }), HttpStatusCode.Conflict);
        Assert.Contains("cancelled", none.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Nothing refused was written: the session is still waiting for its outcome.
        Assert.Equal("scheduled", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal(0, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.OutcomeRecorded)));
    }

    [Fact]
    public async Task ACallNotYetStartedIsNotMarkedAsNotAttendedWhileItsRoomIsOpen()
    {
        var (school, start, id) = await BookedAsync();
        app.Clock.SetUtcNow(start.AddMinutes(5));
        var teacher = await school.TeacherAsync(app);

        await using (var console = await CallClient.ConnectAsync(app, CallClient.Bearer(teacher)))
        {
            await console.Ok("Host", id);
            // The console is open in another tab: the family may still come, and the call start.
            var open = await Api.ProblemAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend" }), HttpStatusCode.Conflict);
            Assert.Equal(Chaperone.Calls.RecordOutcome.RoomStillOpen, open.GetProperty("detail").GetString());
            Assert.Equal("scheduled", (await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        // Closed (nobody is left in the room, so it lets go of it), the pupil is marked as not attending.
        var session = Guid.Parse(id);
        await WaitAsync(async () => !await app.WithDbAsync(db => db.Set<Chaperone.Calls.RoomLease>().AnyAsync(l => l.SessionId == session)));

        // While a marking holds the room, between its check and its write, no instance opens it.
        var leases = app.Services.GetRequiredService<Chaperone.Calls.RoomLeases>();
        Assert.Null(await app.WithDbAsync(db => leases.TakeAsync(db, school.SchoolId, session, Chaperone.Calls.RoomLeases.MarkingDidNotAttend, default)));
        await using (var console = await CallClient.ConnectAsync(app, CallClient.Bearer(teacher)))
        {
            Assert.Contains("did not attend", (await console.Call("Host", id)).Message);
        }
        Assert.Equal(1, await app.WithDbAsync(db => Chaperone.Calls.RoomLeases.ReleaseAsync(db, session, Chaperone.Calls.RoomLeases.MarkingDidNotAttend, default)));

        await Api.JsonAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend" }), HttpStatusCode.OK);
        // The marking lets go of the room, which stays closed: the session has ended.
        Assert.False(await app.WithDbAsync(db => db.Set<Chaperone.Calls.RoomLease>().AnyAsync(l => l.SessionId == session)));
        await using (var console = await CallClient.ConnectAsync(app, CallClient.Bearer(teacher)))
        {
            Assert.Equal("This session has been closed.", (await console.Call("Host", id)).Message);
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> done)
    {
        for (var i = 0; i < 100 && !await done(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(await done(), "Still waiting after 5 s.");
    }

    [Fact]
    public async Task ALeaversSessionIsMarkedByASeniorLeaderAndNobodyElseMarksAnotherTeachersSession()
    {
        var (school, start, id) = await BookedAsync();
        app.Clock.SetUtcNow(start.AddMinutes(45));
        var slt = await school.SltAsync(app);
        var dsl = await school.DslAsync(app);
        var admin = await school.AdminAsync(app);

        // While the teacher is at the school, the outcome is theirs to record.
        var theirs = await Api.ProblemAsync(await MarkAsync(slt, id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        Assert.Contains("once the teacher has left", theirs.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var before = await Api.JsonAsync(await slt.GetAsync("/api/v1/compliance?show=unsettled"), HttpStatusCode.OK);
        Assert.False(Assert.Single(before.GetProperty("items").EnumerateArray(), i => i.GetProperty("session").GetProperty("id").GetString() == id).GetProperty("teacherLeft").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/v1/staff/{school.TeacherId}/access", new { active = false })).StatusCode);

        // The compliance dashboard tells the leaders whose outcome it is to record now.
        var listed = await Api.JsonAsync(await slt.GetAsync("/api/v1/compliance?show=unsettled"), HttpStatusCode.OK);
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("session").GetProperty("id").GetString() == id);
        Assert.True(item.GetProperty("teacherLeft").GetBoolean());

        // Once they have left: not the DSL, an admin or another teacher, but a senior leader.
        await Api.ProblemAsync(await MarkAsync(dsl, id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await MarkAsync(admin, id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await MarkAsync(await school.OtherTeacherAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        // The same rules as for the teacher: a call never held was not completed.
        await Api.ProblemAsync(await MarkAsync(slt, id, new { outcome = "completed" }), HttpStatusCode.Conflict);
        const string notes = "The teacher left before recording it; the room's record shows no call.";
        var marked = await Api.JsonAsync(await MarkAsync(slt, id, new { outcome = "did-not-attend", notes }), HttpStatusCode.OK);
        var leader = marked.GetProperty("recordedByLeader").GetString();
        Assert.StartsWith("head ", leader, StringComparison.Ordinal);
        Assert.Equal("teacher-left", marked.GetProperty("leaderReason").GetString());

        Assert.Equal("ended", (await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        var read = await Api.JsonAsync(await dsl.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK);
        Assert.Equal((notes, leader), (read.GetProperty("notes").GetString(), read.GetProperty("recordedByLeader").GetString()));
        Assert.Equal("met", (await ClausesAsync(slt, id))[11].GetProperty("status").GetString());

        // The trail names the leader who marked it, and the leaver it was marked for.
        var entry = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.OutcomeRecorded && e.SubjectId == id).Select(e => new { e.ActorId, e.Details }).SingleAsync());
        Assert.Equal(school.SltId, entry.ActorId);
        Assert.Contains(school.TeacherId.ToString(), entry.Details!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnOutcomeAWeekOverdueIsMarkedByASeniorLeaderWhileTheTeacherIsStillAtTheSchool()
    {
        var (school, _, id) = await BookedAsync();
        var end = (await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("end").GetDateTimeOffset();

        // A second short of a week after the session, the outcome still waits for its teacher.
        app.Clock.SetUtcNow(end + Chaperone.Calls.LeaderMarking.OverdueAfter - TimeSpan.FromSeconds(1));
        var early = await school.SltAsync(app);
        var refused = await Api.ProblemAsync(await MarkAsync(early, id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        Assert.Contains("a week after the session", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False((await DashboardItemAsync(early, id)).GetProperty("outcomeOverdue").GetBoolean());

        // A week after it, the dashboard says so, and a senior leader (not the DSL or an admin) marks it.
        app.Clock.SetUtcNow(end + Chaperone.Calls.LeaderMarking.OverdueAfter);
        var slt = await school.SltAsync(app);
        var item = await DashboardItemAsync(slt, id);
        Assert.True(item.GetProperty("outcomeOverdue").GetBoolean());
        Assert.False(item.GetProperty("teacherLeft").GetBoolean());
        await Api.ProblemAsync(await MarkAsync(await school.DslAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await MarkAsync(await school.AdminAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        const string notes = "The teacher is on long leave; the room's record shows no call.";
        var marked = await Api.JsonAsync(await MarkAsync(slt, id, new { outcome = "did-not-attend", notes }), HttpStatusCode.OK);
        Assert.StartsWith("head ", marked.GetProperty("recordedByLeader").GetString(), StringComparison.Ordinal);
        Assert.Equal("overdue", marked.GetProperty("leaderReason").GetString());
        Assert.Equal("met", (await ClausesAsync(slt, id))[11].GetProperty("status").GetString());
        Assert.Equal("overdue", (await Api.JsonAsync(await slt.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK)).GetProperty("leaderReason").GetString());
        var details = await app.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.SchoolId == school.SchoolId && e.Action == AuditActions.OutcomeRecorded && e.SubjectId == id).Select(e => e.Details).SingleAsync());
        Assert.Contains($"\"overdueFor\":\"{school.TeacherId}\"", details, StringComparison.OrdinalIgnoreCase);

        // Back from leave, the teacher corrects it: the last outcome counts, and it is theirs.
        var corrected = await Api.JsonAsync(await MarkAsync(await school.TeacherAsync(app), id, new { outcome = "did-not-attend", notes = "No call: the family forgot." }), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, corrected.GetProperty("recordedByLeader").ValueKind);
        Assert.Equal(JsonValueKind.Null, corrected.GetProperty("leaderReason").ValueKind);
        // What the teacher recorded themselves stays theirs: the leader no longer marks it.
        var theirs = await Api.ProblemAsync(await MarkAsync(await school.SltAsync(app), id, new { outcome = "did-not-attend" }), HttpStatusCode.Forbidden);
        Assert.Equal(Chaperone.Calls.LeaderMarking.Refusal, theirs.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TheSessionsAwaitingAnOutcomeAreListedForTheirTeacherAndTheLeadersUntilItIsRecorded()
    {
        var (school, start, id) = await BookedAsync();
        var cancelled = await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start.AddHours(1), school.SiblingA, school.SharedParent));
        Assert.Equal(HttpStatusCode.OK, (await Api.CancelAsync(await school.TeacherAsync(app), cancelled, "Pupil unwell")).StatusCode);
        static async Task<List<string?>> AwaitedAsync(HttpClient client) =>
            (await Api.JsonAsync(await client.GetAsync("/api/v1/sessions?awaitingOutcome=true"), HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();

        // Not while its time is still to come, nor while it is going on.
        Assert.Empty(await AwaitedAsync(await school.TeacherAsync(app)));
        app.Clock.SetUtcNow(start.AddMinutes(29));
        Assert.Empty(await AwaitedAsync(await school.TeacherAsync(app)));

        // Once it is over: its teacher and the school's leaders see it; another teacher does not; a cancelled session never.
        app.Clock.SetUtcNow(start.AddMinutes(30));
        var teacher = await school.TeacherAsync(app);
        Assert.Equal([id], await AwaitedAsync(teacher));
        Assert.Equal([id], await AwaitedAsync(await school.SltAsync(app)));
        Assert.Empty(await AwaitedAsync(await school.OtherTeacherAsync(app)));
        Assert.Equal(2, (await Api.JsonAsync(await teacher.GetAsync("/api/v1/sessions?awaitingOutcome=false"), HttpStatusCode.OK)).GetProperty("total").GetInt32());

        var problem = await Api.ProblemAsync(await teacher.GetAsync("/api/v1/sessions?awaitingOutcome=soon"), HttpStatusCode.BadRequest);
        Assert.Contains("true", problem.GetProperty("errors").GetProperty("awaitingOutcome")[0].GetString(), StringComparison.Ordinal);

        await Api.JsonAsync(await MarkAsync(teacher, id, new { outcome = "did-not-attend" }), HttpStatusCode.OK);
        Assert.Empty(await AwaitedAsync(teacher));
        Assert.Empty(await AwaitedAsync(await school.SltAsync(app)));
    }

    [Fact]
    public async Task ACallLeftOpenIsEndedByItsOutcomeOnceItsRoomCanNoLongerOpenAndItsRecordShowsItWasNotClosed()
    {
        var (school, start, id) = await BookedAsync();
        var sessionId = Guid.Parse(id);
        await CallClient.RunCallAsync(app, school, sessionId, start, "", "", leftOpen: true);
        var end = start.AddMinutes(30);
        static async Task<List<string?>> AwaitedAsync(HttpClient client) =>
            (await Api.JsonAsync(await client.GetAsync("/api/v1/sessions?awaitingOutcome=true"), HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();

        // While its room could still be opened to close it, the call is not over.
        app.Clock.SetUtcNow(end + Chaperone.Families.FamilyLinks.GraceAfterEnd - TimeSpan.FromMinutes(1));
        var early = await school.TeacherAsync(app);
        var going = await Api.ProblemAsync(await MarkAsync(early, id, new { outcome = "completed" }), HttpStatusCode.Conflict);
        Assert.Contains("still going on", going.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await AwaitedAsync(early));

        // Then it was left open: its outcome is awaited, and recording it ends the session.
        app.Clock.SetUtcNow(end + Chaperone.Families.FamilyLinks.GraceAfterEnd);
        var teacherApi = await school.TeacherAsync(app);
        Assert.Equal([id], await AwaitedAsync(teacherApi));
        await Api.JsonAsync(await MarkAsync(teacherApi, id, new { outcome = "completed", notes = "My browser closed during the call." }), HttpStatusCode.OK);
        Assert.Equal("ended", (await Api.JsonAsync(await teacherApi.GetAsync($"/api/v1/sessions/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Empty(await AwaitedAsync(teacherApi));

        // Its record holds what the room saw, and that it was not closed (clause 6).
        var clauses = await ClausesAsync(teacherApi, id);
        Assert.Equal("breached", clauses[6].GetProperty("status").GetString());
        Assert.Contains(clauses[6].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("text").GetString()!.StartsWith("The call was left open: the teacher did not close the session", StringComparison.Ordinal));
        foreach (var met in new[] { 1, 3, 5, 7, 9, 10, 11 })
        {
            Assert.True(clauses[met].GetProperty("status").GetString() == "met", $"Clause {met}: {clauses[met]}");
        }
        // Clause 3 is judged to when the family's device left, the family's part never having been ended.
        Assert.Contains(clauses[3].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "kept-to-hours"
            && e.GetProperty("text").GetString()!.EndsWith("(to when the family's last device left: the call was left open), within school hours (09:00–15:00, Europe/London).", StringComparison.Ordinal));
    }

    private static async Task<JsonElement> DashboardItemAsync(HttpClient client, string id) =>
        Assert.Single((await Api.JsonAsync(await client.GetAsync("/api/v1/compliance?show=unsettled"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("session").GetProperty("id").GetString() == id);

    [Fact]
    public async Task AHeldCallEvidencesClause5AndItsOutcomeCanBeCorrectedTheLastOneCounting()
    {
        var school = await TestSchool.CreateAsync(app);
        var (id, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Good session.");
        var teacher = await school.TeacherAsync(app);

        var clauses = await ClausesAsync(teacher, id.ToString());
        Assert.Equal("met", clauses[5].GetProperty("status").GetString());
        Assert.Contains(clauses[5].GetProperty("evidence").EnumerateArray(), e => e.GetProperty("rule").GetString() == "teacher-pupil-only");
        Assert.Equal("not-applicable", clauses[12].GetProperty("status").GetString());
        Assert.DoesNotContain(clauses.Values, c => c.GetProperty("status").GetString() is "pending" or "breached");

        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await Api.JsonAsync(await MarkAsync(teacher, id.ToString(), new { outcome = "cut-short", notes = "The connection failed at 10:18." }), HttpStatusCode.OK);

        var outcome = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/outcome"), HttpStatusCode.OK);
        Assert.Equal("cut-short", outcome.GetProperty("outcome").GetString());
        var attendance = Assert.Single((await ClausesAsync(teacher, id.ToString()))[11].GetProperty("evidence").EnumerateArray());
        Assert.Contains("cut-short", attendance.GetProperty("text").GetString(), StringComparison.Ordinal);
        var record = await Api.JsonAsync(await teacher.GetAsync($"/api/v1/sessions/{id}/record"), HttpStatusCode.OK);
        Assert.Contains("cut-short", record.GetRawText(), StringComparison.Ordinal);
    }
}

public sealed class OutcomeApiOnSqlite(ChaperoneApp app) : OutcomeApiTests(app), IClassFixture<ChaperoneApp>;

public sealed class OutcomeApiOnPostgres(PostgresChaperoneApp app) : OutcomeApiTests(app), IClassFixture<PostgresChaperoneApp>;
