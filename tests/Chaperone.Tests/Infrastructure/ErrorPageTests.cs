using System.Net;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// An unexpected failure (here, the database losing a table the page reads) shows a person the
/// friendly page, and answers an API client with a problem; neither reveals what failed.
/// </summary>
public sealed class ErrorPageTests
{
    [Fact]
    public async Task AFailureOnAPageShowsTheFriendlyPageAndOnTheApiAProblem()
    {
        await using var app = new ChaperoneApp();
        await ((IAsyncLifetime)app).InitializeAsync();
        var admin = await app.SignInAsync("admin@demo.school");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/settings")).StatusCode);
        await app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DROP TABLE \"Closures\""));

        var page = await admin.GetAsync("/admin/settings");
        var api = await admin.GetAsync("/api/v1/policy");

        Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Sorry, something went wrong", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Closures", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("Closures", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
