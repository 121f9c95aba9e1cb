using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Chaperone.Infrastructure;

/// <summary>
/// Metrics, traces and logs for those who run an installation, sent over OTLP (OpenTelemetry's
/// protocol, HTTP and protobuf) to a collector at <c>OpenTelemetry:Endpoint</c> (or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); with neither set nothing is collected. The requests and
/// their timings (ASP.NET Core, Kestrel, SignalR), outgoing HTTP (Microsoft Graph, Entra ID), the
/// runtime, PostgreSQL's driver, the audit sealer, and Chaperone's own counts
/// (<see cref="ChaperoneMetrics"/>). A request's path is sent as its route (<c>/family/{token}/call</c>),
/// never as the address itself, so a family's link, which is its key, never leaves the app; query
/// strings are left out too.
/// </summary>
public static class Telemetry
{
    public static IServiceCollection AddChaperoneTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ChaperoneMetrics>();
        var endpoint = configuration["OpenTelemetry:Endpoint"] is { Length: > 0 } configured ? configured : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return services;
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var collector) || collector.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"OpenTelemetry:Endpoint '{endpoint}' is not an http:// or https:// address of an OTLP collector (e.g. http://collector:4318).");
        }
        services.AddHostedService<WaitingWorkGauges>();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("chaperone", serviceInstanceId: configuration[Calls.RoomLeases.InstanceNameSetting]))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal);
                    o.EnrichWithHttpResponse = (activity, response) => activity.SetTag("url.path", RouteOf(response.HttpContext));
                })
                .AddHttpClientInstrumentation()
                .AddSource("Npgsql", Audit.AuditSealer.TracingSource))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(ChaperoneMetrics.MeterName, "Npgsql"))
            .WithLogging()
            .UseOtlpExporter(OtlpExportProtocol.HttpProtobuf, collector);
        return services;
    }

    /// <summary>The route a request matched (its template), or "(no route)": never the path, which may carry a link's token.</summary>
    private static string RouteOf(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } template } ? "/" + template.TrimStart('/') : "(no route)";
}

/// <summary>
/// What is waiting, as gauges on the <c>Chaperone</c> meter, worth an alert when they grow: the
/// emails not yet sent (<c>chaperone.emails.waiting</c>, and how long the oldest has waited,
/// <c>chaperone.emails.oldest_waiting</c>: a mail server down shows here first) and the
/// safeguarding concerns raised and not yet acknowledged (<c>chaperone.concerns.unacknowledged</c>).
/// Counted across the installation every 30 seconds (on each instance: they are the database's
/// numbers, not the instance's), only while monitoring is on.
/// </summary>
public sealed class WaitingWorkGauges : PeriodicWorker
{
    private readonly IServiceScopeFactory _scopes;
    private volatile Snapshot? _latest;

    public WaitingWorkGauges(IServiceScopeFactory scopes, IMeterFactory meters, TimeProvider clock, ILogger<WaitingWorkGauges> log) : base(clock, log)
    {
        _scopes = scopes;
        var meter = meters.Create(ChaperoneMetrics.MeterName);
        meter.CreateObservableGauge("chaperone.emails.waiting", () => Measure(s => s.EmailsWaiting), "{email}", "Emails not yet sent: due, or deferred by the mail server and waiting for another try.");
        meter.CreateObservableGauge("chaperone.emails.oldest_waiting", () => Measure(s => s.OldestEmailSeconds), "s", "How long the email that has waited longest has waited since it was written.");
        meter.CreateObservableGauge("chaperone.concerns.unacknowledged", () => Measure(s => s.UnacknowledgedConcerns), "{concern}", "Safeguarding concerns raised and not yet acknowledged (clause 12).");
    }

    private sealed record Snapshot(long EmailsWaiting, long OldestEmailSeconds, long UnacknowledgedConcerns);

    protected override TimeSpan Interval => TimeSpan.FromSeconds(30);

    /// <summary>Counts what is waiting now; the gauges report it until the next pass.</summary>
    public override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Storage.ChaperoneDbContext>();
        var now = Clock.GetUtcNow();
        var waiting = db.OutboxMessages.Where(m => m.Status == Notifications.MessageStatus.Pending && (m.NextAttemptAt <= now || m.Attempts > 0));
        var count = await waiting.LongCountAsync(ct);
        var oldest = count == 0 ? (DateTimeOffset?)null : await waiting.OrderBy(m => m.CreatedAt).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(ct);
        var concerns = await db.Set<Concerns.Concern>().LongCountAsync(c => c.Kind == Concerns.ConcernKind.Safeguarding
            && c.Status == Concerns.ConcernStatus.Raised && c.AcknowledgedAt == null, ct);
        _latest = new Snapshot(count, oldest is { } o ? Math.Max(0, (long)(now - o).TotalSeconds) : 0, concerns);
    }

    private IEnumerable<Measurement<long>> Measure(Func<Snapshot, long> value) => _latest is { } s ? [new Measurement<long>(value(s))] : [];
}

/// <summary>
/// Chaperone's own counts, on the <c>Chaperone</c> meter: what a school's day looks like to those
/// who run the installation (bookings, emails and their outcomes, concerns and escalations), with
/// no person or school named.
/// </summary>
public sealed class ChaperoneMetrics
{
    public const string MeterName = "Chaperone";

    private readonly Counter<long> _booked;
    private readonly Counter<long> _emails;
    private readonly Counter<long> _concerns;
    private readonly Counter<long> _escalations;

    public ChaperoneMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _booked = meter.CreateCounter<long>("chaperone.sessions.booked", "{session}", "Sessions booked, by call provider.");
        _emails = meter.CreateCounter<long>("chaperone.emails.attempts", "{email}", "Emails tried, by outcome (sent, deferred, refused, gave up, not sent).");
        _concerns = meter.CreateCounter<long>("chaperone.concerns.raised", "{concern}", "Concerns raised, by kind (clause 12).");
        _escalations = meter.CreateCounter<long>("chaperone.concerns.escalated", "{concern}", "Safeguarding concerns escalated because nobody acknowledged them in time.");
    }

    public void Booked(string provider) => _booked.Add(1, new KeyValuePair<string, object?>("chaperone.provider", provider));

    public void EmailTried(string outcome) => _emails.Add(1, new KeyValuePair<string, object?>("chaperone.outcome", outcome));

    public void ConcernRaised(string kind) => _concerns.Add(1, new KeyValuePair<string, object?>("chaperone.kind", kind));

    public void ConcernEscalated() => _escalations.Add(1);
}
