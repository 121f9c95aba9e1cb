using Chaperone.Families;
using Chaperone.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The call's media connects whatever order a page's messages come in: the server relays a signal
/// only between parties that may connect, but a page's own state saying so travels separately. Here
/// the family's page gets the teacher's first offer before the state that lets the teacher in.
/// </summary>
public sealed class SignalOrderInTheBrowserTests(BrowserApp browser) : IClassFixture<BrowserApp>
{
    [Fact]
    public async Task TheTeachersOfferThatComesBeforeTheFamilysStateIsNotLost()
    {
        var app = browser.App;
        var school = await TestSchool.CreateAsync(app);
        var start = CallClient.NextSessionStart(app);
        var sessionId = Guid.Parse(await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(start)));
        app.Clock.SetUtcNow(start.AddMinutes(-5));

        var teacher = await CallInTheBrowserTests.CallPageAsync(browser);
        await BrowserSteps.SignInAsync(teacher, school.TeacherEmail, TestSchool.Password);
        await teacher.GotoAsync($"/sessions/{sessionId}/console");
        await CallInTheBrowserTests.ExpectStatusAsync(teacher, "The room is open");

        // The family's hub connection: the state that lets the teacher in is held back until a signal
        // from the teacher has reached the page (or two seconds have passed).
        var family = await CallInTheBrowserTests.CallPageAsync(browser);
        var signalFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldBack = 0;
        await family.Context.RouteWebSocketAsync("**/hubs/call**", page =>
        {
            var server = page.ConnectToServer();
            page.OnMessage(frame => { if (frame.Text is { } text) { server.Send(text); } else { server.Send(frame.Binary ?? []); } });
            server.OnMessage(frame =>
            {
                if (frame.Text is not { } text)
                {
                    page.Send(frame.Binary ?? []);
                    return;
                }
                if (text.Contains("\"target\":\"signal\"", StringComparison.Ordinal))
                {
                    page.Send(text);
                    signalFirst.TrySetResult();
                    return;
                }
                if (text.Contains("\"target\":\"state\"", StringComparison.Ordinal) && text.Contains("\"peers\":[\"teacher\"", StringComparison.Ordinal) && !signalFirst.Task.IsCompleted)
                {
                    Interlocked.Increment(ref heldBack);
                    _ = signalFirst.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => page.Send(text), TaskScheduler.Default);
                    return;
                }
                page.Send(text);
            });
        });
        await family.GotoAsync($"/family/{app.Services.GetRequiredService<FamilyLinks>().TokenFor(sessionId, school.Mother)}/call");
        await CallInTheBrowserTests.ExpectStatusAsync(family, "tell us who is with you");
        await family.GetByLabel("Toby Twoparents is here").CheckAsync();
        await family.GetByLabel("I will stay with my child for the whole call").CheckAsync();
        foreach (var item in FamilyChecklist.Items)
        {
            await family.GetByLabel(item.Text).CheckAsync();
        }
        await family.GetByRole(AriaRole.Button, new() { Name = "Go to the waiting room" }).ClickAsync();
        await CallInTheBrowserTests.ExpectStatusAsync(family, "The teacher will let you in shortly");

        // Once admitted, the two connect (the call need not have started for the teacher to see and hear the family).
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Admit Mia Mother" }).ClickAsync();
        await CallInTheBrowserTests.AssertMediaFlowsAsync(family);
        await CallInTheBrowserTests.AssertMediaFlowsAsync(teacher);
        Assert.True(signalFirst.Task.IsCompleted, "No signal from the teacher reached the family's page.");
        Assert.True(heldBack > 0, "The family's state was not held back behind the teacher's signal, so the order under test did not happen.");
    }
}
