using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Every page names the site's icon, which is served; a browser asking for it the old way is sent to it (not a 404 on every page).</summary>
public sealed class SiteIconTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Theory]
    [InlineData("/signin")]
    [InlineData("/family/not-a-link")]
    public async Task StaffAndFamilyPagesNameTheIcon(string page)
    {
        var html = await (await Api.AnonymousClient(app).GetAsync(page)).Content.ReadAsStringAsync();
        Assert.Contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheIconIsServedAndTheOldAddressLeadsToIt()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var icon = await client.GetAsync("/favicon.svg");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await icon.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var old = await client.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.MovedPermanently, old.StatusCode);
        Assert.Equal("/favicon.svg", old.Headers.Location?.OriginalString);
    }
}
