using System.Net.Http.Json;
using System.Net;
using Chaperone.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Chaperone.Tests.Browser;

/// <summary>
/// The app served by Kestrel on a free loopback port, with a headless Chromium to drive it.
/// Chromium is Debian's (<c>CHAPERONE_TEST_CHROMIUM</c>, default <c>/usr/bin/chromium</c>);
/// if it is missing the tests fail rather than skip, so a broken machine cannot look green.
/// </summary>
public class BrowserApp : IAsyncLifetime
{
    public BrowserApp() : this(new KestrelChaperoneApp()) { }

    /// <summary>Serves <paramref name="app"/>, which must listen on a loopback port through Kestrel.</summary>
    protected BrowserApp(ChaperoneApp app) => App = app;

    /// <summary>
    /// How long a step may wait for the page. Generous: on a two-processor machine running the
    /// whole suite, a form post and its redirect once took more than 15 s.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private IPlaywright? _playwright;

    /// <summary>The app, on SQLite, with its fake clock (Monday 30 November 2026, 08:00 UTC).</summary>
    public ChaperoneApp App { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>An API client on the app's loopback address, signed in as a demo member of staff.</summary>
    public async Task<HttpClient> StaffClientAsync(string email)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout };
        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = ChaperoneApp.DemoPassword });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public IBrowser Browser { get; private set; } = null!;

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CHAPERONE_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not at {ChromiumPath}: install it (apt-get install chromium) or set CHAPERONE_TEST_CHROMIUM.");
        }
        await ((IAsyncLifetime)App).InitializeAsync();
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
        if (!IPAddress.IsLoopback(IPAddress.Parse(BaseAddress.Host)) || BaseAddress.Port == 0)
        {
            throw new InvalidOperationException($"The app should listen on a loopback port, not {address}.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(fakeMediaPermission: true);
    }

    /// <summary>
    /// Launches Debian's Chromium, kept on this machine, with a fake camera and microphone (a
    /// test pattern and a beep). With <paramref name="fakeMediaPermission"/> the browser grants
    /// pages the camera without asking; without it, a page not granted the camera is refused it,
    /// as when a parent says no.
    /// </summary>
    public Task<IBrowser> LaunchAsync(bool fakeMediaPermission) => _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Timeout = (float)TimeSpan.FromSeconds(30).TotalMilliseconds,
        Args =
        [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            // Date and time inputs follow the browser's language: show them as a UK school would.
            "--lang=en-GB",
            // Calls: a fake camera and microphone, loopback ICE, sound without a gesture.
            "--use-fake-device-for-media-stream",
            "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
            .. fakeMediaPermission ? new[] { "--use-fake-ui-for-media-stream" } : [],
        ],
    });

    /// <summary>A phone-sized viewport (CSS pixels), as many parents will open their link.</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    /// <summary>
    /// A fresh browser context (its own cookies) with a page whose every wait times out; with
    /// <paramref name="media"/>, the page may use the (fake) camera and microphone.
    /// </summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true, ViewportSize? viewport = null, bool media = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            Locale = "en-GB",
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
            JavaScriptEnabled = javaScript,
            Permissions = media ? ["camera", "microphone"] : [],
            HasTouch = viewport == Phone,
        });
        context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Timeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }
}

/// <summary>The app served by Kestrel on a free port of 127.0.0.1, so that a real browser can reach it.</summary>
public sealed class KestrelChaperoneApp : ChaperoneApp
{
    public KestrelChaperoneApp() => UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
}
