using Chaperone.Storage;
using MailKit.Security;
using MimeKit;

namespace Chaperone.Notifications;

/// <summary>
/// The <c>Email:*</c> settings. With no <c>Email:Smtp:Host</c>, mail is written as <c>.eml</c>
/// files to <c>{DataDirectory}/mail</c> (the embedded default).
/// </summary>
public sealed class EmailOptions
{
    public required MailboxAddress From { get; init; }
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 25;
    public SecureSocketOptions Security { get; init; } = SecureSocketOptions.None;
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public required string MailFolder { get; init; }

    /// <summary>Tries before a message is given up as a delivery problem.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>How long a worker's claim on a message lasts; a crashed worker's claims are taken over after it.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the worker looks for due messages when nothing wakes it (reminders, retries, other instances).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The first retry's delay; each further retry doubles it (with jitter), up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Messages claimed at once, and SMTP connections used in parallel to send them.</summary>
    public int BatchSize { get; init; } = 64;
    public int Connections { get; init; } = 4;

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(SmtpHost);

    public static EmailOptions Read(IConfiguration configuration, DataDirectory data)
    {
        var email = configuration.GetSection("Email");
        var from = email["From"] is { Length: > 0 } f ? MailboxAddress.Parse(f) : new MailboxAddress("Chaperone", "no-reply@chaperone.invalid");
        var security = email["Smtp:Security"] is { Length: > 0 } s
            ? s.ToLowerInvariant() switch
            {
                "none" => SecureSocketOptions.None,
                "starttls" => SecureSocketOptions.StartTls,
                "sslonconnect" => SecureSocketOptions.SslOnConnect,
                _ => throw new InvalidOperationException($"Email:Smtp:Security '{s}' is not known; use None, StartTls or SslOnConnect."),
            }
            : SecureSocketOptions.None;
        return new EmailOptions
        {
            From = from,
            SmtpHost = email["Smtp:Host"],
            SmtpPort = email.GetValue<int?>("Smtp:Port") ?? (security == SecureSocketOptions.SslOnConnect ? 465 : 25),
            Security = security,
            UserName = email["Smtp:UserName"],
            Password = email["Smtp:Password"],
            MailFolder = data.Combine("mail"),
            MaxAttempts = email.GetValue<int?>("MaxAttempts") ?? 8,
            PollInterval = email.GetValue<TimeSpan?>("PollInterval") ?? TimeSpan.FromSeconds(15),
            Lease = email.GetValue<TimeSpan?>("Lease") ?? TimeSpan.FromMinutes(5),
            FirstBackoff = email.GetValue<TimeSpan?>("FirstBackoff") ?? TimeSpan.FromSeconds(30),
            Connections = Math.Max(1, email.GetValue<int?>("Connections") ?? 4),
        };
    }
}
