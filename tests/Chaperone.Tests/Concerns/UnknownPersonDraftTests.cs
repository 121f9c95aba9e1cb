using System.Net;
using System.Net.Http.Json;
using Chaperone.Calls;
using Chaperone.Concerns;
using Chaperone.Families;
using Chaperone.Recordings;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Chaperone.Tests.Concerns.ConcernTestSupport;

namespace Chaperone.Tests.Concerns;

/// <summary>
/// Issue 4 and DESIGN: when the teacher removes an unknown person from the call, a safeguarding
/// concern draft is saved at once (session, moment in the recording, summary); only its author
/// sees it until they raise it, and raising it reaches the DSL.
/// </summary>
public abstract class UnknownPersonDraftTests(ChaperoneApp app)
{
    private sealed record Answer(bool Ok, string? Message, string? Link);

    private async Task<HubConnection> ConnectAsync(string? bearer)
    {
        var connection = HubClients.Build(app, CallHub.Path, bearer);
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(15));
        return connection;
    }

    /// <summary>A call of the school's teacher with Mia Mother's device in it, from which the teacher removes an unknown person.</summary>
    private async Task<(TestSchool School, Guid SessionId, HttpClient Teacher, HttpClient Dsl, Answer Answer)> RemoveAnUnknownPersonAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        var booker = await school.TeacherAsync(app);
        var day = app.Clock.GetUtcNow().UtcDateTime.Date.AddDays(3);
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            day = day.AddDays(1);
        }
        var start = new DateTimeOffset(day.AddHours(10), TimeSpan.Zero);
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(booker, school.Booking(start)));
        app.Clock.SetUtcNow(start.AddMinutes(-5));
        // Signed in after the clock moved on, so the tokens are fresh.
        var teacher = await school.TeacherAsync(app);
        var (dsl, _) = await LeadersAsync(app, school);
        var token = app.Services.GetRequiredService<FamilyLinks>().TokenFor(sessionId, school.Mother);
        // The recording began 90 seconds ago.
        await app.WithDbAsync(async db =>
        {
            db.Add(new Recording { SchoolId = school.SchoolId, SessionId = sessionId, StartedAt = app.Clock.GetUtcNow().AddSeconds(-90), ContentType = "video/webm" });
            return await db.SaveChangesAsync();
        });

        await using var host = await ConnectAsync(teacher.DefaultRequestHeaders.Authorization!.Parameter);
        Assert.True((await host.InvokeAsync<Answer>("Host", sessionId.ToString()).WaitAsync(TimeSpan.FromSeconds(15))).Ok);
        await using var family = await ConnectAsync(null);
        Assert.True((await family.InvokeAsync<Answer>("JoinFamily", token).WaitAsync(TimeSpan.FromSeconds(15))).Ok);

        var answer = await host.InvokeAsync<Answer>("RemoveUnknownPerson", school.Mother.ToString()).WaitAsync(TimeSpan.FromSeconds(15));
        return (school, sessionId, teacher, dsl, answer);
    }

    [Fact]
    public async Task RemovingAnUnknownPersonSavesADraftForTheTeacherWhichReachesTheDslOnceRaised()
    {
        var (school, sessionId, teacher, dsl, answer) = await RemoveAnUnknownPersonAsync();

        Assert.True(answer.Ok, answer.Message);
        Assert.StartsWith("/concerns/new?draft=", answer.Link);
        var draftId = answer.Link![("/concerns/new?draft=".Length)..];
        var draft = await app.WithDbAsync(db => db.Set<Concern>().Include(c => c.Pupils).AsNoTracking().SingleAsync(c => c.Id == Guid.Parse(draftId)));
        Assert.Equal(ConcernStatus.Draft, draft.Status);
        Assert.Equal(ConcernKind.Safeguarding, draft.Kind);
        Assert.Equal(sessionId, draft.SessionId);
        Assert.Equal(90, draft.RecordingOffsetSeconds);
        Assert.Equal([school.TwoParentPupil], draft.Pupils.Select(p => p.PupilId));
        Assert.Contains("Unknown person", draft.Summary);
        Assert.Null(draft.NotifiedAt);

        // The author sees the draft; the DSL does not, until it is raised.
        var mine = await Api.JsonAsync(await teacher.GetAsync("/api/v1/concerns"), HttpStatusCode.OK);
        Assert.Contains(mine.EnumerateArray(), c => c.GetProperty("id").GetString() == draftId && c.GetProperty("status").GetString() == "draft");
        Assert.Empty((await Api.JsonAsync(await dsl.GetAsync("/api/v1/concerns"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await dsl.GetAsync($"/api/v1/concerns/{draftId}")).StatusCode);
        var form = await (await teacher.GetAsync(answer.Link)).Content.ReadAsStringAsync();
        Assert.Contains("1:30", form);
        Assert.Contains("Unknown person in the call", form);
        // Nobody else can complete it.
        await Api.ProblemAsync(await (await school.OtherTeacherAsync(app)).PostAsJsonAsync($"/api/v1/concerns/{draftId}/raise", Safeguarding(school)), HttpStatusCode.NotFound);

        await using var dslHub = await StaffHubClient.ConnectAsync(app, dsl);
        var raised = await Api.JsonAsync(await teacher.PostAsJsonAsync($"/api/v1/concerns/{draftId}/raise", new
        {
            pupilIds = new[] { school.TwoParentPupil.ToString() },
            sessionId = sessionId.ToString(),
            kind = "safeguarding",
            summary = draft.Summary,
            detail = "A man walked behind the pupil and shouted; I removed the device.",
            recordingOffsetSeconds = 90,
        }), HttpStatusCode.Created);
        Assert.Equal("raised", raised.GetProperty("status").GetString());
        Assert.Equal(["drafted", "raised", "alert-sent", "email-queued"], EntryTypes(raised));
        await dslHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == draftId);
        Assert.Equal(90, (await Api.JsonAsync(await dsl.GetAsync($"/api/v1/concerns/{draftId}"), HttpStatusCode.OK)).GetProperty("recordingOffsetSeconds").GetInt32());
    }

    [Fact]
    public async Task ADraftTheTeacherDoesNotRaiseGoesToTheDslAsItStandsOnceTheSchoolsWaitIsOver()
    {
        var (school, sessionId, teacher, dsl, answer) = await RemoveAnUnknownPersonAsync();
        Assert.Contains("if it is not raised within 15 minutes, it goes to them as it stands", answer.Message, StringComparison.Ordinal);
        var draftId = answer.Link![("/concerns/new?draft=".Length)..];
        await using var dslHub = await StaffHubClient.ConnectAsync(app, dsl);

        app.Clock.Advance(TimeSpan.FromMinutes(14));
        await WorkerPassAsync(app);
        Assert.Equal(ConcernStatus.Draft, await app.WithDbAsync(db => db.Set<Concern>().Where(c => c.Id == Guid.Parse(draftId)).Select(c => c.Status).SingleAsync()));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await WorkerPassAsync(app);
        await WorkerPassAsync(app); // a second pass finds nothing more to do

        await dslHub.WaitForAsync(a => a.GetProperty("concernId").GetString() == draftId);
        var raised = await Api.JsonAsync(await (await LeadersAsync(app, school)).Dsl.GetAsync($"/api/v1/concerns/{draftId}"), HttpStatusCode.OK);
        Assert.Equal("raised", raised.GetProperty("status").GetString());
        Assert.Equal(["drafted", "raised", "alert-sent", "email-queued"], EntryTypes(raised));
        Assert.Contains(raised.GetProperty("chronology").EnumerateArray(), e => e.GetProperty("text").GetString()!.StartsWith("Raised as it stood", StringComparison.Ordinal));
        // It is the session's clause 12 evidence, and the teacher can no longer complete it as a draft.
        var clause12 = (await Api.JsonAsync(await (await school.TeacherAsync(app)).GetAsync($"/api/v1/sessions/{sessionId}/compliance"), HttpStatusCode.OK))
            .GetProperty("clauses").EnumerateArray().Single(c => c.GetProperty("clause").GetInt32() == 12);
        Assert.Equal("met", clause12.GetProperty("status").GetString());
        await Api.ProblemAsync(await (await school.TeacherAsync(app)).PostAsJsonAsync($"/api/v1/concerns/{draftId}/raise", Safeguarding(school)), HttpStatusCode.NotFound);
    }
}

public sealed class UnknownPersonDraftOnSqlite(ChaperoneApp app) : UnknownPersonDraftTests(app), IClassFixture<ChaperoneApp>;

public sealed class UnknownPersonDraftOnPostgres(PostgresChaperoneApp app) : UnknownPersonDraftTests(app), IClassFixture<PostgresChaperoneApp>;
