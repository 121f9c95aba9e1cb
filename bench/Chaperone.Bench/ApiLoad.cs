using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using NodaTime.Text;

namespace Chaperone.Bench;

public sealed record ThroughputResult(int Created, int Failed, double Seconds, int Concurrency, IReadOnlyDictionary<string, int> Failures)
{
    public double PerSecond => Created / Seconds;

    /// <summary>Several runs taken together, as one.</summary>
    public static ThroughputResult Sum(IReadOnlyList<ThroughputResult> runs) => new(
        runs.Sum(r => r.Created), runs.Sum(r => r.Failed), runs.Sum(r => r.Seconds), runs[0].Concurrency,
        runs.SelectMany(r => r.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value)));
}

public sealed record LatencyResult(int Created, int Failed, double TargetRate, double AchievedRate, double P50Ms, double P99Ms, double MaxMs, IReadOnlyDictionary<string, int> Failures);

/// <summary>Drives the app through its HTTP API on loopback, signed in as the teachers with bearer tokens.</summary>
public sealed partial class ApiLoad : IDisposable
{
    private static readonly OffsetDateTimePattern Rfc3339 = OffsetDateTimePattern.Rfc3339;

    private readonly HttpClient _http;
    private readonly BenchSchool _school;
    private readonly Dictionary<Guid, AuthenticationHeaderValue> _tokens = [];
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private long _next = -1;

    /// <summary>The open loop never has more requests than this outstanding; one due beyond it is dropped and counted as failed.</summary>
    public const int MaxInFlight = 256;

    public ApiLoad(Uri address, BenchSchool school)
    {
        _school = school;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = MaxInFlight,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>The same clients and sign-ins aimed at another server (<see cref="StubServer"/>).</summary>
    public ApiLoad(Uri address, ApiLoad signedIn)
        : this(address, signedIn._school)
    {
        foreach (var (id, token) in signedIn._tokens)
        {
            _tokens[id] = token;
        }
        _next = signedIn._next;
    }

    /// <summary>The body of a 201 answer to a booking, as the app sent it (kept from the first one).</summary>
    public string? CreatedBody { get; private set; }

    public async Task SignInAllAsync()
    {
        foreach (var teacher in _school.Teachers.Append(_school.SlotTeacher))
        {
            using var response = await _http.PostAsJsonAsync("/api/v1/auth/login", new { email = teacher.Email, password = BenchSchool.Password });
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            _tokens[teacher.Id] = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("accessToken").GetString());
        }
    }

    /// <summary>
    /// Booking number n: teacher n mod T, then the next half-hour slot of that teacher's
    /// timetable, with one of the teacher's own pupils and that pupil's parent. No two bookings
    /// share a participant at an overlapping time, so every one should be created (201).
    /// </summary>
    private HttpRequestMessage BookingRequest(long n)
    {
        var teachers = _school.Teachers;
        var teacher = teachers[(int)(n % teachers.Count)];
        var k = n / teachers.Count;
        var start = _school.SlotStart((int)(k / BenchSchool.SlotsPerDay), (int)(k % BenchSchool.SlotsPerDay));
        var pupil = teacher.Pupils[(int)(k % teacher.Pupils.Count)];
        var json = new StringBuilder(256)
            .Append("{\"teacherId\":\"").Append(teacher.Id.ToString("D"))
            .Append("\",\"pupilIds\":[\"").Append(pupil.Id.ToString("D"))
            .Append("\"],\"guardianIds\":[\"").Append(pupil.GuardianId.ToString("D"))
            .Append("\"],\"kind\":\"support\",\"start\":\"").Append(Rfc3339.Format(start.ToOffsetDateTime()))
            .Append("\",\"durationMinutes\":30}")
            .ToString();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sessions")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = _tokens[teacher.Id];
        return request;
    }

    private async Task<bool> BookOneAsync()
    {
        var n = Interlocked.Increment(ref _next);
        using var request = BookingRequest(n);
        try
        {
            using var response = await _http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                CreatedBody ??= await response.Content.ReadAsStringAsync();
                return true;
            }
            var body = await response.Content.ReadAsStringAsync();
            _failures.AddOrUpdate($"{(int)response.StatusCode}: {Truncate(TraceId().Replace(body, "…"))}", 1, (_, c) => c + 1);
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _failures.AddOrUpdate($"{e.GetType().Name}: {Truncate(e.Message)}", 1, (_, c) => c + 1);
            return false;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial System.Text.RegularExpressions.Regex TraceId();

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    private Dictionary<string, int> TakeFailures()
    {
        var copy = new Dictionary<string, int>(_failures);
        _failures.Clear();
        return copy;
    }

    /// <summary>Bookings from several concurrent clients, each sending the next booking as soon as the last is answered.</summary>
    public async Task<ThroughputResult> ClosedLoopAsync(int concurrency, int maxBookings, TimeSpan maxTime)
    {
        var created = 0;
        var failed = 0;
        var issued = 0;
        var clock = Stopwatch.StartNew();
        async Task Worker()
        {
            while (clock.Elapsed < maxTime && Interlocked.Increment(ref issued) <= maxBookings)
            {
                if (await BookOneAsync())
                {
                    Interlocked.Increment(ref created);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        return new ThroughputResult(created, failed, clock.Elapsed.TotalSeconds, concurrency, TakeFailures());
    }

    /// <summary>
    /// Open loop: booking i is due at i / rate seconds after the start, whether or not earlier
    /// ones have been answered. Latency runs from the due time to the answer, so a stalled
    /// server is charged for the requests that queue behind it.
    /// </summary>
    public async Task<LatencyResult> OpenLoopAsync(double rate, int count)
    {
        var histogram = new LongHistogram(TimeSpan.FromMinutes(1).Ticks / 10, 3);
        var gate = new Lock();
        var created = 0;
        var failed = 0;
        var inFlight = 0;
        var tasks = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        // The bookings due by now are sent together, then the loop sleeps until the next is due.
        // It never spins: on a small machine a spinning client would take a processor from the
        // server it measures. A timer that wakes late sends late, and the lateness counts in
        // each booking's latency (measured from its due time), against the server.
        for (var i = 0; i < count;)
        {
            var wait = TimeSpan.FromSeconds(i / rate) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            for (var now = clock.Elapsed; i < count && TimeSpan.FromSeconds(i / rate) <= now; i++)
            {
                var due = TimeSpan.FromSeconds(i / rate);
                if (Volatile.Read(ref inFlight) >= MaxInFlight)
                {
                    Interlocked.Increment(ref failed);
                    _failures.AddOrUpdate($"dropped: {MaxInFlight} requests already outstanding", 1, (_, c) => c + 1);
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                tasks.Add(Task.Run(async () =>
                {
                    var ok = await BookOneAsync();
                    Interlocked.Decrement(ref inFlight);
                    var micros = (long)((clock.Elapsed - due).TotalMilliseconds * 1000);
                    lock (gate)
                    {
                        histogram.RecordValue(Math.Max(1, micros));
                    }
                    if (ok)
                    {
                        Interlocked.Increment(ref created);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }));
            }
        }
        await Task.WhenAll(tasks);
        var seconds = clock.Elapsed.TotalSeconds;
        return new LatencyResult(created, failed, rate, count / seconds,
            histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0, histogram.GetMaxValue() / 1000.0, TakeFailures());
    }

    /// <summary>GET /api/v1/slots for the busy teacher over two weeks, one call at a time.</summary>
    /// <summary>
    /// Calls the slot finder in rounds of 100 until the JIT has settled (a round compiles fewer
    /// than 20 methods, after at least three rounds) or <paramref name="limit"/> has passed, as the
    /// booking throughput is warmed up; returns the rounds and the calls made.
    /// </summary>
    public async Task<(int Rounds, int Calls)> WarmUpSlotsAsync(TimeSpan limit, int firstDay)
    {
        var clock = Stopwatch.StartNew();
        for (var round = 1; ; round++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            await CallSlotsAsync(100, firstDay, histogram: null);
            jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
            if ((round >= 3 && jitted < 20) || clock.Elapsed > limit)
            {
                return (round, round * 100);
            }
        }
    }

    public async Task<(double P50Ms, double P99Ms, double MaxMs, int Calls, int SlotsFound, int Failed)> SlotsAsync(int calls, int firstDay)
    {
        var histogram = new LongHistogram(TimeSpan.FromMinutes(1).Ticks / 10, 3);
        var (found, failed) = await CallSlotsAsync(calls, firstDay, histogram);
        return (histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0, histogram.GetMaxValue() / 1000.0, calls, found, failed);
    }

    private async Task<(int Found, int Failed)> CallSlotsAsync(int calls, int firstDay, LongHistogram? histogram)
    {
        var teacher = _school.SlotTeacher;
        var pupil = teacher.Pupils[0];
        var from = _school.SchoolDays[firstDay];
        var to = from.PlusDays(13);
        var url = string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/slots?teacherId={teacher.Id:D}&pupilIds={pupil.Id:D}&guardianIds={pupil.GuardianId:D}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&durationMinutes=30");
        var failed = 0;
        var found = 0;
        for (var i = 0; i < calls; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = _tokens[teacher.Id];
            var started = Stopwatch.GetTimestamp();
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failed++;
                _failures.AddOrUpdate($"slots {(int)response.StatusCode}: {Truncate(Encoding.UTF8.GetString(body))}", 1, (_, c) => c + 1);
                continue;
            }
            if (i == 0)
            {
                using var doc = JsonDocument.Parse(body);
                found = doc.RootElement.GetProperty("slots").GetArrayLength();
            }
            histogram?.RecordValue(Math.Max(1, (long)(elapsed.TotalMilliseconds * 1000)));
        }
        return (found, failed);
    }

    public IReadOnlyDictionary<string, int> Failures => TakeFailures();

    public void Dispose() => _http.Dispose();
}
