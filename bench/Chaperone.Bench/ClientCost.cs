using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chaperone.Bench;

/// <summary>
/// What the in-process load clients cost: the same booking requests, sent the same way, to a bare
/// Kestrel server in this process that reads each body and answers 201 with a booking's answer at
/// once (no middleware, no database). The CPU per request there is the clients' share plus the
/// bare HTTP handling on the server side, so an upper bound of what the clients take from the app.
/// </summary>
public sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<StubServer> StartAsync(string createdBody)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var body = Encoding.UTF8.GetBytes(createdBody);
        app.MapPost("/api/v1/sessions", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.Location = "/api/v1/sessions/stub";
            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new StubServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
