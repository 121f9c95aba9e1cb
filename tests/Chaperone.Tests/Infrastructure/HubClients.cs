using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Real SignalR clients of the app's hubs, through the test server, signed in with a bearer token or not at all.</summary>
public static class HubClients
{
    public static HubConnection Build(ChaperoneApp app, string path, string? bearer)
    {
        // In process through the test server; an app served by Kestrel (for a browser) over the loopback network.
        var kestrel = app is Browser.KestrelChaperoneApp;
        var baseAddress = kestrel ? app.CreateClient().BaseAddress! : app.Server.BaseAddress;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, path), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                if (!kestrel)
                {
                    o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                }
                if (bearer is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(bearer);
                }
            })
            .Build();
    }
}
