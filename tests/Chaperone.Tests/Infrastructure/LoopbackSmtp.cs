using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port, inside the test process. It
/// keeps every message it accepts, can refuse chosen recipients (550), be stopped and started
/// again on the same port, and hold its reply to the next DATA until released.
/// </summary>
public sealed class LoopbackSmtp : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _received = new();
    private CancellationTokenSource? _running;
    private SmtpServer.SmtpServer? _server;
    private Task? _serverTask;
    private TaskCompletionSource? _release;
    private TaskCompletionSource? _holding;

    public int Port { get; } = Loopback.UnusedPort();

    /// <summary>Every message accepted, in order (a resend appears again).</summary>
    public IReadOnlyList<MimeMessage> Received => _received.ToList();

    /// <summary>Recipients for whom RCPT TO is answered 550.</summary>
    public Func<string, bool> Refuses { get; set; } = _ => false;

    /// <summary>Recipients for whom RCPT TO is answered 450 (mailbox busy: try again later).</summary>
    public Func<string, bool> Defers { get; set; } = _ => false;

    public async Task StartAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Filter(this));
        _running = new CancellationTokenSource();
        _server = new SmtpServer.SmtpServer(options, services);
        _serverTask = _server.StartAsync(_running.Token);
        // Ready when it answers a connection.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"The test SMTP server did not start on port {Port}.");
    }

    /// <summary>Stops listening and drops every connection; the port is free to start again.</summary>
    public async Task StopAsync()
    {
        if (_running is null)
        {
            return;
        }
        await _running.CancelAsync();
        _server!.Shutdown();
        // Shutdown waits for open sessions to end; a session whose client vanished may linger until
        // its timeout, so wait for a while and then go on: what matters is that nothing listens.
        await Task.WhenAny(_serverTask!, Task.Delay(TimeSpan.FromSeconds(5)));
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                break;
            }
        }
        _running.Dispose();
        _running = null;
    }

    /// <summary>The next message is kept, but the reply to its DATA waits until <see cref="Release"/>; returns a task that completes when it is being held.</summary>
    public Task HoldNext()
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _holding.Task;
    }

    public void Release() => _release?.TrySetResult();

    /// <summary>Messages received with this session header (Chaperone names the session of each message).</summary>
    public IReadOnlyList<MimeMessage> ForSession(string sessionId) =>
        Received.Where(m => m.Headers["X-Chaperone-Session"] == sessionId).ToList();

    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(Func<IReadOnlyList<MimeMessage>, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < until)
        {
            var received = Received;
            if (done(received))
            {
                return received;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The test SMTP server received {_received.Count} messages, not what the test waited for.");
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await StopAsync();
    }

    private sealed class Store(LoopbackSmtp owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, CancellationToken.None);
            owner._received.Enqueue(message);
            var release = Interlocked.Exchange(ref owner._release, null);
            if (release is not null)
            {
                owner._holding!.TrySetResult();
                await release.Task;
            }
            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(LoopbackSmtp owner) : MailboxFilter
    {
        public override Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox @from, CancellationToken cancellationToken)
        {
            if (owner.Defers(to.AsAddress()))
            {
                throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.Unavailable, "Mailbox busy, try again later"));
            }
            return Task.FromResult(!owner.Refuses(to.AsAddress()));
        }
    }
}

/// <summary>The app sending its mail to a <see cref="LoopbackSmtp"/> server of its own.</summary>
public class SmtpChaperoneApp : ChaperoneApp
{
    public SmtpChaperoneApp() : this(Db.Sqlite) { }

    protected SmtpChaperoneApp(Db db) : base(db) { }

    public LoopbackSmtp Smtp { get; } = new();

    public override async Task InitializeAsync()
    {
        await Smtp.StartAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Email:From", "Chaperone <chaperone@school.test>");
        builder.UseSetting("Email:Smtp:Host", "127.0.0.1");
        builder.UseSetting("Email:Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Email:Smtp:Security", "None");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class PostgresSmtpChaperoneApp : SmtpChaperoneApp
{
    public PostgresSmtpChaperoneApp() : base(Db.Postgres) { }
}
