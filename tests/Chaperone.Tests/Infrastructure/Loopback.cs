using System.Net;
using System.Net.Sockets;

namespace Chaperone.Tests.Infrastructure;

public static class Loopback
{
    /// <summary>A loopback port nothing listens on now: taken from the system, then let go (for a server to start on, or for one that is down).</summary>
    public static int UnusedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
