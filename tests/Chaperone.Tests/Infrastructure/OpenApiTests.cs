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

    /// <summary>The operations anyone may call: signing in, the emailed links, and a family's own link.</summary>
    private static readonly string[] Anonymous = ["/api/v1/auth/login", "/api/v1/auth/forgotten-password", "/api/v1/auth/reset-password", "/api/v1/auth/accept-role", "/api/v1/family/"];

    [Fact]
    public async Task EveryApiOperationDocumentsItsSuccessAndTheProblemsItMayAnswer()
    {
        var document = await Api.JsonAsync(await Api.AnonymousClient(app).GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var wrong = new List<string>();

        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var responses = operation.Value.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
                void Problem(string status, string why)
                {
                    if (!responses.TryGetValue(status, out var response) || !response.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                    {
                        wrong.Add($"{name} {why}, so may answer a {status} problem; the document does not say so");
                    }
                }

                if (!responses.Keys.Any(k => k.StartsWith('2')))
                {
                    wrong.Add($"{name} documents no success");
                }
                if (path.Name.Contains('{', StringComparison.Ordinal))
                {
                    Problem("404", "names a resource in its route");
                }
                if (operation.Value.TryGetProperty("requestBody", out _))
                {
                    Problem("400", "takes a body");
                }
                if (!Anonymous.Any(a => path.Name == a || (a.EndsWith('/') && path.Name.StartsWith(a, StringComparison.Ordinal))))
                {
                    Problem("401", "needs a signed-in user");
                    Problem("403", "needs a signed-in user of the school with a role");
                }
                foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                {
                    if (!response.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                    {
                        wrong.Add($"{name} answers {status} as a problem, but the document gives it no application/problem+json body");
                    }
                }
            }
        }

        // What creates answers 201 with what it made; bookings also refuse a clash (409) and a clause broken (422).
        foreach (var (method, path, done, problems) in new (string, string, string, string[])[]
        {
            ("post", "/api/v1/sessions", "201", ["400", "409", "422"]),
            ("post", "/api/v1/sessions/{id}/reschedule", "200", ["400", "404", "409", "422"]),
            ("post", "/api/v1/sessions/{id}/cancel", "200", ["400", "404", "409"]),
            ("post", "/api/v1/concerns", "201", ["400"]),
            ("post", "/api/v1/staff", "201", ["400"]),
            ("post", "/api/v1/guardians", "201", ["400"]),
            ("post", "/api/v1/pupils", "201", ["400"]),
        })
        {
            var responses = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
            var successes = responses.EnumerateObject().Select(r => r.Name).Where(s => s.StartsWith('2')).ToList();
            if (successes.Count != 1 || successes[0] != done || !responses.GetProperty(done).TryGetProperty("content", out _))
            {
                wrong.Add($"{method} {path} answers {done} with what it did; the document says {string.Join(", ", successes)}");
            }
            wrong.AddRange(problems.Where(p => !responses.TryGetProperty(p, out _)).Select(p => $"{method} {path} may answer {p}; the document does not say so"));
        }

        // Fields one may leave out are not listed as required.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (schema, optional) in new[] { ("ConcernRequest", "sessionId"), ("ConcernRequest", "childsOwnWords") })
        {
            if (schemas.GetProperty(schema).TryGetProperty("required", out var required) && required.EnumerateArray().Any(r => r.GetString() == optional))
            {
                wrong.Add($"{schema}.{optional} may be left out; the document says it is required");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task ApiReferencePageAnswers()
    {
        var response = await Api.AnonymousClient(app).GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
