using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Chaperone.Tests.Infrastructure;

/// <summary>Real SignalR clients of the app's hubs, through the test server, signed in with a bearer token or not at all.</summary>
public static class HubClients
{
    public static HubConnection Build(ChaperoneApp app, string path, string? bearer) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, path), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                if (bearer is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(bearer);
                }
            })
            .Build();
}
