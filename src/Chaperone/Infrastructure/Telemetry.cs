using System.Diagnostics;
using System.Diagnostics.Metrics;
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
