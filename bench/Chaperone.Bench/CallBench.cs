using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Chaperone.Calls;
using Chaperone.Families;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Chaperone.Storage;
using HdrHistogram;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Bench;

/// <summary>A plain SignalR echo, the baseline the call hub's relay is measured against: the message comes back as a message, as a relayed signal arrives.</summary>
[AllowAnonymous]
public sealed class EchoHub : Hub
{
    public Task Echo(string payload) => Clients.Caller.SendAsync("echo", payload);
}

/// <summary>
/// The call hub under load: <c>--rooms</c> rooms (default 1,000) each with the teacher and two
/// family devices connected (3,000 connections), the managed heap measured before and after;
/// then, in <c>--pairs</c> admitted rooms, signalling relayed family → hub → teacher timed against
/// a plain SignalR echo round trip from the same clients, interleaved, in the same run.
/// </summary>
public static class CallBench
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private const double LatencyTarget = 2.0;
    private const double MemoryTargetBytes = 64 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
        var rooms = int.Parse(Get("--rooms") ?? "1000", CultureInfo.InvariantCulture);
        var pairs = int.Parse(Get("--pairs") ?? "20", CultureInfo.InvariantCulture);
        var seconds = int.Parse(Get("--seconds") ?? "10", CultureInfo.InvariantCulture);
        var output = Get("--out") ?? "bench/results/calls.md";
        var work = Get("--work") ?? Path.Combine(Path.GetTempPath(), "chaperone-bench");

        await using var app = await BenchApp.StartAsync(BenchDb.Sqlite, work, null, Now, a => a.MapHub<EchoHub>("/bench/echo"));
        var (bearer, sessions, guardians) = await SeedAsync(app, rooms, withTeacher: true);
        var links = app.Services.GetRequiredService<FamilyLinks>();

        HubConnection Connect(string path, string? token) => Client(app.Address, path, token);

        // The 3,000 participants connect from a child process, so the server's heap is measured alone.
        var plan = Path.Combine(work, $"call-plan-{Guid.NewGuid():N}.txt");
        Directory.CreateDirectory(work);
        await File.WriteAllLinesAsync(plan, sessions.Select(id => $"{id} {string.Join(' ', guardians.Select(g => links.TokenFor(id, g)))}"));
        var before = Heap();
        var clock = Stopwatch.StartNew();
        using var clients = Process.Start(new ProcessStartInfo("dotnet", [typeof(CallBench).Assembly.Location, "calls-clients", app.Address.ToString(), bearer, plan])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        var ready = await clients.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(5)) ?? "0 0";
        var connectSeconds = clock.Elapsed.TotalSeconds;
        var counts = ready.Split(' ').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var (connected, failures) = (counts[0], counts[1]);
        var after = Heap();
        var perConnection = (after - before) / (double)Math.Max(1, connected);
        Console.WriteLine($"{connected} connections in {connectSeconds:0.0} s; {failures} refused; server heap {before / 1048576.0:0.0} → {after / 1048576.0:0.0} MiB; {perConnection / 1024:0.0} KiB per connection");
        clients.StandardInput.Close();
        await clients.WaitForExitAsync();

        // The latency rooms are separate sessions, joined from this process.
        var (_, pairSessions, _) = await SeedAsync(app, pairs, withTeacher: false);
        var teachers = new HubConnection[pairs];
        var families = new HubConnection[pairs];
        var connections = new List<HubConnection>();
        for (var i = 0; i < pairs; i++)
        {
            teachers[i] = Connect(CallHub.Path, bearer);
            await teachers[i].StartAsync();
            await teachers[i].InvokeAsync<HubAnswer>("Host", pairSessions[i].ToString());
            families[i] = Connect(CallHub.Path, null);
            await families[i].StartAsync();
            await families[i].InvokeAsync<HubAnswer>("JoinFamily", links.TokenFor(pairSessions[i], guardians[0]));
            connections.AddRange([teachers[i], families[i]]);
        }

        // Relay latency: admit the first family device in some rooms, then time family → teacher signals against echoes.
        var echo = new HubConnection[pairs];
        for (var i = 0; i < pairs; i++)
        {
            await families[i].InvokeAsync<HubAnswer>("Declare", Array.Empty<string>(), true, Chaperone.Families.FamilyChecklist.Items.Select(c => c.Key).ToArray());
            var admitted = await teachers[i].InvokeAsync<HubAnswer>("Admit", guardians[0].ToString());
            if (!admitted.Ok)
            {
                throw new InvalidOperationException(admitted.Message);
            }
            echo[i] = Connect("/bench/echo", null);
            await echo[i].StartAsync();
        }
        var relay = new LongHistogram(TimeStamp.Minutes(1), 3);
        var plain = new LongHistogram(TimeStamp.Minutes(1), 3);
        var relayFailures = 0;
        await Task.WhenAll(Enumerable.Range(0, pairs).Select(async i =>
        {
            TaskCompletionSource<long>? pending = null;
            teachers[i].On<string, string>("signal", (_, payload) => pending?.TrySetResult(Stopwatch.GetTimestamp()));
            TaskCompletionSource<long>? pendingEcho = null;
            echo[i].On<string>("echo", _ => pendingEcho?.TrySetResult(Stopwatch.GetTimestamp()));
            var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency * seconds;
            var payload = "{\"candidate\":{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\"}}";
            var n = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                pending = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                var sent = Stopwatch.GetTimestamp();
                var answer = await families[i].InvokeAsync<HubAnswer>("Signal", RoomParty.Teacher, payload);
                if (!answer.Ok)
                {
                    Interlocked.Increment(ref relayFailures);
                }
                else
                {
                    var received = await pending.Task.WaitAsync(TimeSpan.FromSeconds(5));
                    if (n > 10)
                    {
                        relay.RecordValue(received - sent);
                    }
                }
                pendingEcho = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                var echoSent = Stopwatch.GetTimestamp();
                await echo[i].InvokeAsync("Echo", payload);
                var echoed = await pendingEcho.Task.WaitAsync(TimeSpan.FromSeconds(5));
                if (n > 10)
                {
                    plain.RecordValue(echoed - echoSent);
                }
                n++;
                // Stay under the hub's per-connection rate limit (HubGuard.PerSecond).
                await Task.Delay(TimeSpan.FromSeconds(1.0 / (HubGuard.PerSecond * 0.75)));
            }
        }));
        double Ms(LongHistogram h, double p) => h.GetValueAtPercentile(p) * 1000.0 / Stopwatch.Frequency;
        var ratio = Ms(relay, 50) / Ms(plain, 50);
        var memoryOk = perConnection < MemoryTargetBytes && failures == 0 && connected == rooms * guardians.Length + rooms;
        var latencyOk = ratio <= LatencyTarget && relayFailures == 0;

        var md = new StringBuilder();
        md.AppendLine("# Call hub benchmark").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run `bench/calls.sh` ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, SQLite, participants in a child process over WebSockets on loopback).").AppendLine();
        md.AppendLine("| measure | value | target | result |").AppendLine("|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| connections (teacher + 2 family devices per room, from a child process) | {connected} in {rooms} rooms, {failures} refused, {connectSeconds:0.0} s to connect | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| server managed heap per connected participant (rooms, SignalR and Kestrel state) | {perConnection / 1024:0.0} KiB | < 64 KiB | {(memoryOk ? "pass" : "FAIL")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| signal relayed family → hub → teacher (invoke, message to the other party), p50 / p99 | {Ms(relay, 50):0.000} / {Ms(relay, 99):0.000} ms ({relay.TotalCount} signals, {relayFailures} refused) | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| plain SignalR echo (invoke, message back to the caller), p50 / p99 | {Ms(plain, 50):0.000} / {Ms(plain, 99):0.000} ms ({plain.TotalCount} echoes) | | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| relay p50 ÷ echo p50 | {ratio:0.00} | ≤ 2 | {(latencyOk ? "pass" : "FAIL")} |");
        if (File.Exists("/proc/loadavg"))
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Load average at the end of the run (1, 5, 15 min): {string.Join(", ", (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ').Take(3))}.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, md.ToString());
        Console.WriteLine(md);

        foreach (var c in connections.Concat(echo))
        {
            await c.DisposeAsync();
        }
        return memoryOk && latencyOk ? 0 : 1;
    }

    private static HubConnection Client(Uri address, string path, string? token) => new HubConnectionBuilder()
        .WithUrl(new Uri(address, path), o =>
        {
            o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            if (token is not null)
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            }
        }).Build();

    /// <summary>The child process: connects every room's teacher and family devices, says how many, and holds them until stdin closes.</summary>
    public static async Task<int> RunClientsAsync(string[] args)
    {
        var address = new Uri(args[1]);
        var bearer = args[2];
        var plan = (await File.ReadAllLinesAsync(args[3])).Select(l => l.Split(' ')).ToList();
        var connections = new List<HubConnection>();
        var failures = 0;
        var gate = new SemaphoreSlim(32);
        await Task.WhenAll(plan.Select(async line =>
        {
            await gate.WaitAsync();
            try
            {
                var teacher = Client(address, CallHub.Path, bearer);
                await teacher.StartAsync();
                var ok = (await teacher.InvokeAsync<HubAnswer>("Host", line[0])).Ok;
                var mine = new List<HubConnection> { teacher };
                foreach (var token in line.Skip(1))
                {
                    var family = Client(address, CallHub.Path, null);
                    await family.StartAsync();
                    ok &= (await family.InvokeAsync<HubAnswer>("JoinFamily", token)).Ok;
                    mine.Add(family);
                }
                lock (connections)
                {
                    connections.AddRange(mine);
                    failures += ok ? 0 : 1;
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.WriteLine($"{connections.Count} {failures}");
        await Console.In.ReadToEndAsync();
        foreach (var c in connections)
        {
            await c.DisposeAsync();
        }
        return 0;
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<(string Bearer, Guid[] Sessions, Guid[] Guardians)> SeedAsync(BenchApp app, int rooms, bool withTeacher)
    {
        const string password = "call-bench-password-1";
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        if (!await roles.RoleExistsAsync(Roles.Teacher))
        {
            await roles.CreateAsync(new IdentityRole<Guid>(Roles.Teacher) { Id = Guid.CreateVersion7() });
        }
        var teacher = await users.FindByEmailAsync("teacher@bench.test");
        if (withTeacher || teacher is null)
        {
            var school = new School { Name = "Call bench school" };
            db.Schools.Add(school);
            await db.SaveChangesAsync();
            teacher = new StaffMember { SchoolId = school.Id, Name = "Bench Teacher", UserName = "teacher@bench.test", Email = "teacher@bench.test", EmailConfirmed = true, FamiliarisationConfirmedOn = new DateOnly(2026, 9, 1) };
            await users.CreateAsync(teacher, password);
            await users.AddToRoleAsync(teacher, Roles.Teacher);
            var pupil = new Pupil { SchoolId = school.Id, Name = "Bench Pupil" };
            Guardian G(string name, string relationship) => new() { SchoolId = school.Id, Name = name, Relationship = relationship, HasParentalResponsibility = true, Email = $"{relationship}@bench.test" };
            db.Guardians.AddRange(G("Bench Mother", "Mother"), G("Bench Father", "Father"));
            await db.SaveChangesAsync();
            pupil.Guardians.AddRange(db.Guardians.Local.Select(g => new PupilGuardian { SchoolId = school.Id, PupilId = pupil.Id, GuardianId = g.Id }));
            db.Pupils.Add(pupil);
            await db.SaveChangesAsync();
        }
        var schoolId = teacher.SchoolId;
        var pupilId = db.Pupils.Where(p => p.SchoolId == schoolId).Select(p => p.Id).First();
        var guardians = db.Guardians.Where(g => g.SchoolId == schoolId).OrderBy(g => g.Name).ToArray();
        var sessions = new Guid[rooms];
        for (var i = 0; i < rooms; i++)
        {
            // Rows made directly: the benchmark is about the call, not booking (these would overlap).
            var session = new Session
            {
                SchoolId = schoolId, TeacherId = teacher.Id, Kind = SessionKind.Support, Start = Now.AddMinutes(5), End = Now.AddMinutes(35),
                DurationMinutes = 30, BookedAt = Now.AddDays(-3), BookedById = teacher.Id,
            };
            session.Pupils.Add(new SessionPupil { SchoolId = schoolId, SessionId = session.Id, PupilId = pupilId });
            session.Guardians.AddRange(guardians.Select(g => new SessionGuardian { SchoolId = schoolId, SessionId = session.Id, GuardianId = g.Id }));
            db.Sessions.Add(session);
            sessions[i] = session.Id;
        }
        await db.SaveChangesAsync();
        using var http = new HttpClient { BaseAddress = app.Address };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = teacher.Email, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()!;
        return (token, sessions, guardians.Select(g => g.Id).ToArray());
    }
}
