using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Chaperone.Notifications;

/// <summary>What the mail server (or the mail folder) said to one message.</summary>
public abstract record DeliveryResult(string Reply)
{
    /// <summary>Accepted: the message is the server's now.</summary>
    public sealed record Accepted(string Reply) : DeliveryResult(Reply);

    /// <summary>Refused for good (a 5xx reply, e.g. an unknown recipient): trying again cannot help.</summary>
    public sealed record Refused(string Reply) : DeliveryResult(Reply);

    /// <summary>Not delivered this time (a 4xx reply, the server down or slow): try again later.</summary>
    public sealed record Deferred(string Reply) : DeliveryResult(Reply);

    /// <summary>Not sent at all: a reminder whose session has moved, been cancelled or begun since it was written.</summary>
    public sealed record Superseded(string Reply) : DeliveryResult(Reply);
}

/// <summary>Where messages go: an SMTP server, or the local mail folder.</summary>
public interface IMailDelivery
{
    /// <summary>Opens a connection that sends several messages in turn; dispose it to close.</summary>
    Task<IMailConnection> OpenAsync(CancellationToken ct);
}

public interface IMailConnection : IAsyncDisposable
{
    /// <summary>Sends <paramref name="mime"/>, the rendered <paramref name="message"/>.</summary>
    Task<DeliveryResult> SendAsync(OutboxMessage message, MimeMessage mime, CancellationToken ct);
}

/// <summary>SMTP through MailKit, one connection reused for a batch and reopened after a broken one.</summary>
public sealed class SmtpDelivery(EmailOptions options) : IMailDelivery
{
    public async Task<IMailConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new Connection(options);
        await connection.EnsureConnectedAsync(ct);
        return connection;
    }

    private sealed class Connection(EmailOptions options) : IMailConnection
    {
        private readonly SmtpClient _client = new() { Timeout = 60_000 };

        public async Task EnsureConnectedAsync(CancellationToken ct)
        {
            if (_client.IsConnected)
            {
                return;
            }
            // Commands are small writes that wait for replies: without TCP_NODELAY, Nagle's algorithm
            // and delayed acknowledgements add tens of milliseconds to each of them.
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(options.SmtpHost!, options.SmtpPort, ct);
                await _client.ConnectAsync(socket, options.SmtpHost!, options.SmtpPort, options.Security, ct);
                // No PIPELINING: a server that answers each pipelined command in its own write, with
                // Nagle's algorithm on its side (the SmtpServer package does), holds the second reply
                // until our delayed acknowledgement, 40 ms per message (measured: 44 ms a send, about
                // 80 messages a second, against 2.5 ms without). One round trip per command on a
                // nearby relay costs far less than that stall.
                _client.Capabilities &= ~SmtpCapabilities.Pipelining;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            if (!string.IsNullOrEmpty(options.UserName))
            {
                await _client.AuthenticateAsync(options.UserName, options.Password ?? "", ct);
            }
        }

        public async Task<DeliveryResult> SendAsync(OutboxMessage message, MimeMessage mime, CancellationToken ct)
        {
            try
            {
                await EnsureConnectedAsync(ct);
                var reply = await _client.SendAsync(mime, ct);
                return new DeliveryResult.Accepted(reply);
            }
            catch (SmtpCommandException e)
            {
                var reply = $"{(int)e.StatusCode} {e.Message}";
                return (int)e.StatusCode >= 500 ? new DeliveryResult.Refused(reply) : new DeliveryResult.Deferred(reply);
            }
            catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException
                                          or ServiceNotAuthenticatedException or MailKit.Security.AuthenticationException or TimeoutException
                                          || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                await DropAsync();
                return new DeliveryResult.Deferred($"{e.GetType().Name}: {e.Message}");
            }
        }

        private async Task DropAsync()
        {
            try
            {
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync(false);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException)
            {
                // Already broken; the next send reconnects.
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync(true);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
            {
                // Quitting politely failed; the socket is closed anyway.
            }
            _client.Dispose();
        }
    }
}

/// <summary>
/// The embedded default: each message becomes <c>{DataDirectory}/mail/{created}-{id}.eml</c>. The
/// file name is fixed by the message, and the file appears, flushed to the disk, by an atomic
/// rename, so sending again after a crash rewrites the same file: it is delivered exactly once.
/// </summary>
public sealed class MailFolderDelivery(EmailOptions options) : IMailDelivery
{
    public Task<IMailConnection> OpenAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.MailFolder);
        return Task.FromResult<IMailConnection>(new Folder(options.MailFolder));
    }

    public static string FileNameOf(OutboxMessage message) => $"{message.CreatedAt.UtcDateTime:yyyyMMdd-HHmmss}-{message.Id:N}.eml";

    private sealed class Folder(string path) : IMailConnection
    {
        public async Task<DeliveryResult> SendAsync(OutboxMessage message, MimeMessage mime, CancellationToken ct)
        {
            var file = Path.Combine(path, FileNameOf(message));
            var temp = file + ".tmp";
            try
            {
                // Written out in memory first, then to the file in one write, flushed to the disk
                // before it takes its name: a message recorded as sent is on the disk.
                using var buffer = new MemoryStream(16 * 1024);
                mime.WriteTo(FormatOptions.Default, buffer, ct);
                await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temp, file, overwrite: true);
                return new DeliveryResult.Accepted($"written to {Path.GetFileName(file)}");
            }
            catch (IOException e)
            {
                return new DeliveryResult.Deferred($"IOException: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                return new DeliveryResult.Deferred($"UnauthorizedAccessException: {e.Message}");
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
