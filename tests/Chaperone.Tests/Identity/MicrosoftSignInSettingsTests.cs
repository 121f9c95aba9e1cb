using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Identity;

/// <summary>Sign-in with Microsoft is off unless configured, and a half-made setting stops the app saying what to fix.</summary>
public sealed class MicrosoftSignInSettingsTests
{
    [Fact]
    public async Task WithoutAClientIdTheSignInPageOffersNoMicrosoftSignIn()
    {
        var app = new ChaperoneApp();
        await using var started = await app.StartOwnedAsync();

        var page = await app.CreateClient().GetStringAsync("/signin");

        Assert.Contains("Forgotten your password?", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in with Microsoft", page, StringComparison.Ordinal);
        var start = await app.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/signin/microsoft");
        Assert.Equal("/signin", start.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData(null, EntraOnLoopback.TenantId, null, "Entra:ClientSecret is not")]
    [InlineData(EntraOnLoopback.ClientSecret, "common", null, "Entra:TenantId must be the school's directory (tenant) id")]
    [InlineData(EntraOnLoopback.ClientSecret, EntraOnLoopback.TenantId, "http://login.example.org/", "Entra:Instance is \"http://login.example.org/\"")]
    public async Task AHalfMadeSettingStopsTheAppSayingWhatToFix(string? secret, string tenant, string? instance, string expected)
    {
        var app = new ChaperoneApp();
        app.Settings["Entra:ClientId"] = EntraOnLoopback.ClientId;
        app.Settings["Entra:TenantId"] = tenant;
        if (secret is not null)
        {
            app.Settings["Entra:ClientSecret"] = secret;
        }
        if (instance is not null)
        {
            app.Settings["Entra:Instance"] = instance;
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(app.StartOwnedAsync);

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}
