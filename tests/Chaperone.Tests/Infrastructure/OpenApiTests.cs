using System.Net;

namespace Chaperone.Tests.Infrastructure;

/// <summary>The API documents itself: the OpenAPI document and the reference page answer without signing in.</summary>
public sealed class OpenApiTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task OpenApiDocumentListsTheSessionsEndpoints()
    {
        var document = await Api.JsonAsync(await Api.AnonymousClient(app).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/sessions", out var sessions), "The document lists /api/v1/sessions.");
        Assert.True(sessions.TryGetProperty("post", out _));
        Assert.True(sessions.TryGetProperty("get", out _));
        Assert.True(paths.TryGetProperty("/api/v1/auth/login", out _));
        Assert.True(paths.TryGetProperty("/api/v1/slots", out _));
    }

    [Fact]
    public async Task ApiReferencePageAnswers()
    {
        var response = await Api.AnonymousClient(app).GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
