using System.Net;
using System.Net.Http.Json;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Identity;

/// <summary>An app whose sign-in limit per client address is set low (<c>Identity:SignInRequestsPerMinute</c>).</summary>
public sealed class SignInLimitApp : ChaperoneApp
{
    public const int Limit = 5;

    public SignInLimitApp() => Settings["Identity:SignInRequestsPerMinute"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Sign-in attempts from one address are limited, to slow password guessing; the limit is the installation's to set.</summary>
public sealed class SignInRateLimitTests(SignInLimitApp app) : IClassFixture<SignInLimitApp>
{
    [Fact]
    public async Task AttemptsBeyondTheConfiguredLimitAreRefusedWith429AcrossTheApiAndThePage()
    {
        var client = Api.AnonymousClient(app);
        for (var i = 0; i < SignInLimitApp.Limit; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "nobody@school.test", password = $"guess {i}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        await Api.ProblemAsync(await client.PostAsJsonAsync("/api/v1/auth/login", new { email = "nobody@school.test", password = "one more guess" }), HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/signin")).StatusCode);
    }
}
