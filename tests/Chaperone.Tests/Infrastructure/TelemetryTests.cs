using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Chaperone.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A stand-in OpenTelemetry collector: a real HTTP server on loopback taking OTLP's
/// <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c> (protobuf, whose strings are
/// plain UTF-8 within it), keeping what arrives.
/// </summary>
public sealed class LoopbackCollector : IAsyncDisposable
{
    private readonly WebApplication _server;
    private readonly ConcurrentQueue<(string Path, string ContentType, byte[] Body)> _received = new();

    private LoopbackCollector(WebApplication server) => _server = server;

    public Uri Address { get; private set; } = null!;

    public static async Task<LoopbackCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var collector = new LoopbackCollector(builder.Build());
        collector._server.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            collector._received.Enqueue((context.Request.Path, context.Request.ContentType ?? "", body.ToArray()));
            return Results.Bytes([], "application/x-protobuf"); // an empty Export…ServiceResponse: all taken
        });
        await collector._server.StartAsync();
        collector.Address = new Uri(collector._server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return collector;
    }

    /// <summary>Everything received at <paramref name="path"/>, as text (the protobuf's strings readable within it).</summary>
    public string Received(string path) =>
        string.Join("\n", _received.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));

    public IEnumerable<string> ContentTypes => _received.Select(r => r.ContentType).Distinct();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>
/// <c>OpenTelemetry:Endpoint</c>: the requests' traces and the metrics, Chaperone's own counts
/// among them, reach an OTLP collector, and a family's link never does.
/// </summary>
public sealed class TelemetryTests
{
    private static async Task<ChaperoneApp> AppSendingToAsync(LoopbackCollector collector)
    {
        var app = new ChaperoneApp();
        app.Settings["OpenTelemetry:Endpoint"] = collector.Address.ToString();
        await app.InitializeAsync();
        return app;
    }

    [Fact]
    public async Task TracesAndMetricsReachTheCollectorWithRoutesInsteadOfAddresses()
    {
        await using var collector = await LoopbackCollector.StartAsync();
        await using var app = await AppSendingToAsync(collector);

        var school = await TestSchool.CreateAsync(app);
        var teacher = await school.TeacherAsync(app);
        var start = Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10);
        var sessionId = await TestSchool.BookOkAsync(teacher, school.Booking(start));
        var familyPath = await Families.FamilyLinkTests.FamilyPathAsync(teacher, sessionId, school.Mother);
        var token = familyPath["/family/".Length..];
        Assert.Equal(HttpStatusCode.OK, (await Api.AnonymousClient(app).GetAsync(familyPath)).StatusCode);

        Assert.True(app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));
        Assert.True(app.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));

        var traces = collector.Received("/v1/traces");
        Assert.Contains("POST /api/v1/sessions", traces); // the span of the booking, named by its route
        Assert.Contains("/family/{token}", traces);
        Assert.DoesNotContain(token, traces);
        var metrics = collector.Received("/v1/metrics");
        Assert.Contains(ChaperoneMetrics.MeterName, metrics);
        Assert.Contains("chaperone.sessions.booked", metrics);
        Assert.Contains("http.server.request.duration", metrics);
        Assert.DoesNotContain(token, metrics);
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
    }

    [Fact]
    public async Task TheGaugesCountTheEmailsWaitingAndTheSafeguardingConcernsNobodyHasAcknowledged()
    {
        await using var collector = await LoopbackCollector.StartAsync();
        await using var app = await AppSendingToAsync(collector);
        var school = await TestSchool.CreateAsync(app);
        var gauges = app.Services.GetServices<IHostedService>().OfType<WaitingWorkGauges>().Single();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        async Task<Dictionary<string, long>> ReadAsync()
        {
            await gauges.RunOnceAsync(CancellationToken.None);
            var values = new Dictionary<string, long>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == ChaperoneMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
            listener.Start();
            listener.RecordObservableInstruments();
            return values;
        }
        var before = await ReadAsync();

        // An email the mail server put off ten minutes ago, and a safeguarding concern just raised.
        var now = app.Clock.GetUtcNow();
        await app.WithDbAsync(async db =>
        {
            db.OutboxMessages.Add(new Chaperone.Notifications.OutboxMessage
            {
                SchoolId = school.SchoolId, Kind = Chaperone.Notifications.MessageKind.Booked, RecipientRole = "guardian", RecipientName = "Mia Mother",
                RecipientEmail = "mia@family.test", Subject = "Put off", MessageIdHeader = $"{Guid.NewGuid():N}@chaperone.test", Mime = "",
                CreatedAt = now.AddMinutes(-10), NextAttemptAt = now.AddHours(1), Attempts = 1,
            });
            return await db.SaveChangesAsync();
        });
        await Concerns.ConcernTestSupport.RaiseAsync(await school.TeacherAsync(app), Concerns.ConcernTestSupport.Safeguarding(school));
        var after = await ReadAsync();

        Assert.True(after["chaperone.emails.waiting"] >= 1);
        Assert.True(after["chaperone.emails.oldest_waiting"] >= 600, $"oldest waiting {after["chaperone.emails.oldest_waiting"]} s");
        Assert.Equal(before["chaperone.concerns.unacknowledged"] + 1, after["chaperone.concerns.unacknowledged"]);
    }

    [Fact]
    public void AnEndpointThatIsNotAnHttpAddressStopsTheAppAtStart()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["OpenTelemetry:Endpoint"] = "collector:4317" }).Build();
        var e = Assert.Throws<InvalidOperationException>(() => { new ServiceCollection().AddChaperoneTelemetry(configuration); });
        Assert.Contains("OTLP collector", e.Message);
    }
}
