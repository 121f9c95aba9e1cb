using Microsoft.AspNetCore.SignalR;
using Chaperone.Recordings;

namespace Chaperone.Calls;

/// <summary>The built-in call room: provider, rooms, hub limits, recordings.</summary>
public static class CallSetup
{
    /// <summary>Hub messages larger than this close the sender's connection (SignalR's own limit); the rest of the call carries on.</summary>
    public const int MaxHubMessageBytes = 32 * 1024;

    public static IServiceCollection AddChaperoneCalls(this IServiceCollection services, IConfiguration configuration)
    {
        // Read now, so that a wrong TURN setting stops the app at start rather than at the first call.
        services.AddSingleton(CallNetwork.Read(configuration));
        services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = MaxHubMessageBytes;
            o.MaximumParallelInvocationsPerClient = 1;
            o.AddFilter<HubGuard>();
        });
        services.AddSingleton<HubGuard>();
        services.AddSingleton<RoomRegistry>();
        services.AddSingleton<RoomLeases>();
        services.AddHostedService<RoomLeaseRenewal>();
        services.AddSingleton<RecordingKeys>();
        services.AddSingleton(sp => RecordingStorage.Create(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<Storage.DataDirectory>()));
        services.AddSingleton<RecordingStore>();
        services.AddScoped<ICallProvider, BuiltInCallProvider>();
        services.AddScoped<CallProviderResolver>();
        services.AddScoped<RecordOutcome>();
        return services;
    }
}

/// <summary>One STUN or TURN server, as RTCPeerConnection takes it.</summary>
public sealed record IceServer(string[] Urls, string? Username, string? Credential);
