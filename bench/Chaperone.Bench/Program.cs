using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Chaperone.Bench;

// Booking benchmark: see bench/run.sh, which starts a durable throwaway PostgreSQL and runs this.
// `audit` as the first argument runs the audit verification benchmark instead (bench/run.sh audit).
if (args.FirstOrDefault() == "audit")
{
    return await AuditBench.RunAsync(args);
}
// `outbox`: the outbox worker's send rate to a loopback SMTP server (bench/run.sh outbox).
if (args.FirstOrDefault() == "outbox")
{
    return await OutboxBench.RunAsync(args);
}
// `retention`: retention deleting recordings against plain file deletion (bench/run.sh retention).
if (args.FirstOrDefault() == "retention")
{
    return await RetentionBench.RunAsync(args);
}
// `calls`: the call hub's signalling latency and memory per participant (bench/calls.sh).
if (args.FirstOrDefault() == "calls")
{
    return await CallBench.RunAsync(args);
}
if (args.FirstOrDefault() == "calls-clients")
{
    return await CallBench.RunClientsAsync(args);
}
var options = BenchOptions.Parse(args);
var results = new List<DbResult>();
foreach (var db in options.Databases)
{
    Console.WriteLine($"== {db} ==");
    results.Add(await DbRun.RunAsync(db, options));
}
var markdown = Report.Markdown(options, results);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
await File.WriteAllTextAsync(options.Output, markdown);
Console.WriteLine(markdown);
return results.All(r => r.AllPassed) ? 0 : 1;

namespace Chaperone.Bench
{
    public sealed record BenchOptions(
        IReadOnlyList<BenchDb> Databases,
        string? PostgresAdmin,
        string Output,
        string WorkDirectory,
        string? Commit,
        int Teachers,
        int Concurrency,
        TimeSpan RawTime,
        TimeSpan ThroughputTime,
        TimeSpan LatencyTime,
        int SlotCalls,
        TimeSpan WarmupTime)
    {
        public const double ThroughputTarget = 0.5;
        public const double NotificationsTarget = 0.8;
        public const double LatencyP99TargetMs = 25;
        public const double SlotsP99TargetMs = 5;
        public const int SlotTeacherSessions = 500;

        public static BenchOptions Parse(string[] args)
        {
            string? Get(string name)
            {
                var i = Array.LastIndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            }
            int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
            var postgres = Get("--postgres") ?? Environment.GetEnvironmentVariable("CHAPERONE_BENCH_POSTGRES");
            var databases = (Get("--databases") ?? (postgres is null ? "sqlite" : "sqlite,postgres"))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => Enum.Parse<BenchDb>(d, ignoreCase: true))
                .ToList();
            return new BenchOptions(
                databases,
                postgres,
                Get("--out") ?? "bench/results/booking.md",
                Get("--work") ?? Path.Combine(Path.GetTempPath(), "chaperone-bench"),
                Get("--commit"),
                Int("--teachers", 40),
                Int("--concurrency", 16),
                TimeSpan.FromSeconds(Int("--raw-seconds", 5)),
                TimeSpan.FromSeconds(Int("--throughput-seconds", 40)),
                TimeSpan.FromSeconds(Int("--latency-seconds", 8)),
                Int("--slot-calls", 300),
                TimeSpan.FromSeconds(Int("--warmup-seconds", 30)));
        }
    }

    public sealed record DbResult(
        BenchDb Db,
        string AppDurability,
        RawResult Raw,
        RawResult RawSingle,
        RawResult RawConcurrent,
        ThroughputResult ThroughputWithoutNotifications,
        string Outbox,
        ThroughputResult Throughput,
        LatencyResult Latency,
        LatencyResult LatencyAtHalfThroughput,
        (double P50Ms, double P99Ms, double MaxMs, int Calls, int SlotsFound, int Failed) Slots,
        int SessionsInSchool,
        string LoadAverage,
        string ThroughputCost,
        string ClientCost,
        string SlotCost)
    {
        public double Ratio => Throughput.PerSecond / Raw.PerSecond;
        public bool ThroughputPassed => Ratio >= BenchOptions.ThroughputTarget && Throughput.Failed == 0;
        public double NotificationsRatio => Throughput.PerSecond / ThroughputWithoutNotifications.PerSecond;
        public bool NotificationsPassed => NotificationsRatio >= BenchOptions.NotificationsTarget && ThroughputWithoutNotifications.Failed == 0 && Throughput.Failed == 0;
        public bool LatencyPassed => Latency.P99Ms < BenchOptions.LatencyP99TargetMs && Latency.Failed == 0;
        public bool SlotsPassed => Slots.P99Ms < BenchOptions.SlotsP99TargetMs && Slots.Failed == 0;
        public bool AllPassed => ThroughputPassed && NotificationsPassed && LatencyPassed && SlotsPassed;
    }

    public static class DbRun
    {
        public static async Task<DbResult> RunAsync(BenchDb db, BenchOptions options)
        {
            var loadAverage = LoadAverage();
            var notifications = new NotificationSwitch();
            await using var app = await BenchApp.StartAsync(db, options.WorkDirectory, options.PostgresAdmin,
                services: s => NotificationSwitch.Register(s, notifications));
            Console.WriteLine($"app on {app.Address}");
            var appDurability = await RawInserts.AppDurabilityAsync(app.Services);
            RawInserts.RequireDurable(appDurability);
            Console.WriteLine($"app connections: {appDurability}");

            var school = await BenchSchool.CreateAsync(app.Services, options.Teachers, pupilsPerTeacher: 3, BenchOptions.SlotTeacherSessions);
            using var load = new ApiLoad(app.Address, school);
            await load.SignInAllAsync();

            // Warm up until the JIT has settled (tiered compilation keeps recompiling hot code for a
            // while, which on a small machine takes much of the CPU), bounded in rounds and time.
            var warmClock = System.Diagnostics.Stopwatch.StartNew();
            for (var round = 1; ; round++)
            {
                var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
                var warm = await load.ClosedLoopAsync(options.Concurrency, maxBookings: 3000, TimeSpan.FromSeconds(2));
                jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
                Console.WriteLine($"warm-up {round}: {warm.Created} bookings ({warm.PerSecond:0} /s), {warm.Failed} failed, {jitted} methods jitted");
                Fail(warm.Failures);
                if ((round >= 3 && jitted < 20) || warmClock.Elapsed > options.WarmupTime)
                {
                    break;
                }
            }

            // The baseline: one connection, and as many connections as the booking clients (on
            // PostgreSQL concurrent commits share WAL flushes); the higher rate is the one to beat.
            var rawCpu = CpuMeter.Start();
            var rawSingle = await RawInserts.RunAsync(db, app.ConnectionString, warmup: 200, maxInserts: 200_000, options.RawTime);
            Console.WriteLine($"raw inserts, 1 connection: {rawSingle.PerSecond:0} /s ({rawSingle.Inserts} in {rawSingle.Seconds:0.00} s; {rawSingle.Durability}; {rawCpu.Describe(rawSingle.Inserts + 200)})");
            var rawConcurrent = await RawInserts.RunAsync(db, app.ConnectionString, warmup: 20, maxInserts: 200_000, options.RawTime, options.Concurrency);
            Console.WriteLine($"raw inserts, {options.Concurrency} connections: {rawConcurrent.PerSecond:0} /s ({rawConcurrent.Inserts} in {rawConcurrent.Seconds:0.00} s)");
            var raw = rawConcurrent.PerSecond > rawSingle.PerSecond ? rawConcurrent : rawSingle;

            // Notifications off (the baseline of their cost) and on, in turns (off, on, off, on, …) so that
            // a change in the machine's load falls on both alike; each turn starts with the outbox sent.
            // Four turns of each: a single turn's rate varies by about a tenth on a shared machine.
            var quietRuns = new List<ThroughputResult>();
            var runs = new List<ThroughputResult>();
            var costs = new List<string>();
            var quietCosts = new List<string>();
            var outboxes = new List<string>();
            const int turns = 4;
            var turnTime = options.ThroughputTime / (2 * turns);
            for (var turn = 0; turn < turns; turn++)
            {
                Console.WriteLine($"outbox drained in {(await OutboxState.DrainAsync(app.Services, TimeSpan.FromSeconds(120))).TotalSeconds:0.0} s");
                notifications.On = false;
                var quietCpu = CpuMeter.Start();
                var q = await load.ClosedLoopAsync(options.Concurrency, maxBookings: 100_000, turnTime);
                var quietCost = quietCpu.Describe(q.Created);
                notifications.On = true;
                Console.WriteLine($"throughput without notifications: {q.PerSecond:0} /s ({q.Created} created, {q.Failed} failed; {quietCost})");
                quietCosts.Add(quietCost);
                Fail(q.Failures);
                quietRuns.Add(q);

                Console.WriteLine($"outbox drained in {(await OutboxState.DrainAsync(app.Services, TimeSpan.FromSeconds(120))).TotalSeconds:0.0} s");
                var before = await OutboxState.CountAsync(app.Services);
                var cpu = CpuMeter.Start();
                var t = await load.ClosedLoopAsync(options.Concurrency, maxBookings: 100_000, turnTime);
                var turnCost = cpu.Describe(t.Created);
                var after = await OutboxState.CountAsync(app.Services);
                var outboxNow = string.Create(CultureInfo.InvariantCulture,
                    $"{after.Total - before.Total} messages written ({(double)(after.Total - before.Total) / Math.Max(1, t.Created):0.0} a booking), {after.Sent - before.Sent} sent during the run, {after.Due} due and waiting at its end");
                Console.WriteLine($"throughput: {t.PerSecond:0} /s ({t.Created} created, {t.Failed} failed, {t.Seconds:0.00} s, {t.Concurrency} clients; {turnCost}); outbox: {outboxNow}");
                Fail(t.Failures);
                runs.Add(t);
                costs.Add(turnCost);
                outboxes.Add(outboxNow);
            }
            // The clients' share: the same requests answered at once by a bare server in this process.
            string clientCost;
            await using (var stub = await StubServer.StartAsync(load.CreatedBody ?? "{}"))
            {
                using var stubLoad = new ApiLoad(stub.Address, load);
                await stubLoad.ClosedLoopAsync(options.Concurrency, maxBookings: 100_000, TimeSpan.FromSeconds(1));
                var stubCpu = CpuMeter.Start();
                var s = await stubLoad.ClosedLoopAsync(options.Concurrency, maxBookings: 100_000, turnTime);
                clientCost = stubCpu.Describe(s.Created);
                Console.WriteLine($"clients against a bare stub server: {s.PerSecond:0} /s ({s.Created} answered, {s.Failed} failed; {clientCost})");
                Fail(s.Failures);
            }

            var quiet = ThroughputResult.Sum(quietRuns);
            var throughput = ThroughputResult.Sum(runs);
            var cost = string.Join(" / ", costs) + "; without notifications: " + string.Join(" / ", quietCosts);
            var outbox = string.Join(" / ", outboxes);

            var rate = raw.PerSecond * BenchOptions.ThroughputTarget;
            var count = (int)Math.Clamp(rate * options.LatencyTime.TotalSeconds, 100, 20_000);
            var latency = await load.OpenLoopAsync(rate, count);
            Console.WriteLine($"latency at {rate:0} /s: p50 {latency.P50Ms:0.00} ms, p99 {latency.P99Ms:0.00} ms, max {latency.MaxMs:0.00} ms ({latency.Created} created, {latency.Failed} failed, achieved {latency.AchievedRate:0} /s)");
            Fail(latency.Failures);

            // The slot finder alone: the emails of the bookings above are sent first.
            Console.WriteLine($"outbox drained in {(await OutboxState.DrainAsync(app.Services, TimeSpan.FromSeconds(120))).TotalSeconds:0.0} s");
            var settled = await app.SettleAsync();
            Console.WriteLine($"database settled: {settled}");
            var slotWarmUp = await load.WarmUpSlotsAsync(options.WarmupTime, firstDay: 20);
            var slotCpu = CpuMeter.Start();
            var slots = await load.SlotsAsync(options.SlotCalls, firstDay: 20);
            var slotCost = slotCpu.Describe(options.SlotCalls).Replace("per booking", "per call", StringComparison.Ordinal)
                + string.Create(CultureInfo.InvariantCulture, $"; after {slotWarmUp.Calls} warm-up calls; database settled first: {settled}");
            Console.WriteLine($"slots: p50 {slots.P50Ms:0.00} ms, p99 {slots.P99Ms:0.00} ms, max {slots.MaxMs:0.00} ms ({slots.SlotsFound} slots offered; {slotCost})");
            Fail(load.Failures);

            var sessions = await BenchSchool.CountSessionsAsync(app.Services, school.SchoolId);

            // Last, so that it cannot disturb the measures above: the same open loop at half of what
            // this run's bookings sustained, for how a booking is answered on a server busy but not
            // past what it sustains. The outbox has caught up and the database has settled (for the
            // slot finder), as on a server kept at such a load rather than catching up after an overload.
            var sustainable = throughput.PerSecond / 2;
            var atHalf = await load.OpenLoopAsync(sustainable, (int)Math.Clamp(sustainable * options.LatencyTime.TotalSeconds, 100, 20_000));
            Console.WriteLine($"latency at {sustainable:0} /s: p50 {atHalf.P50Ms:0.00} ms, p99 {atHalf.P99Ms:0.00} ms, max {atHalf.MaxMs:0.00} ms ({atHalf.Created} created, {atHalf.Failed} failed, achieved {atHalf.AchievedRate:0} /s)");
            Fail(atHalf.Failures);

            return new DbResult(db, appDurability, raw, rawSingle, rawConcurrent, quiet, outbox, throughput, latency, atHalf, slots, sessions, loadAverage, cost, clientCost, slotCost);
        }

        private static string LoadAverage()
        {
            try
            {
                return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            catch (IOException)
            {
                return "unknown";
            }
        }

        private static void Fail(IReadOnlyDictionary<string, int> failures)
        {
            foreach (var (what, n) in failures)
            {
                Console.WriteLine($"  FAILED x{n}: {what}");
            }
        }
    }

    /// <summary>CPU spent by this process (app and clients) and by the whole machine, for the console log.</summary>
    public sealed class CpuMeter
    {
        private readonly TimeSpan _process;
        private readonly (long Busy, long Total) _machine;
        private readonly long _allocated = GC.GetTotalAllocatedBytes();
        private readonly int _gcs = GC.CollectionCount(0);
        private readonly int _exceptions = Exceptions;
        private readonly long _jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        private readonly TimeSpan _jitTime = System.Runtime.JitInfo.GetCompilationTime();
        private static int Exceptions;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> ExceptionTypes = new();

        static CpuMeter() => AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref Exceptions);
            ExceptionTypes.AddOrUpdate(e.Exception.GetType().Name + ": " + e.Exception.Message[..Math.Min(80, e.Exception.Message.Length)], 1, (_, n) => n + 1);
        };

        private CpuMeter(TimeSpan process, (long, long) machine)
        {
            _process = process;
            _machine = machine;
        }

        /// <summary>Starts measuring; the exception types listed are those thrown from now on.</summary>
        public static CpuMeter Start()
        {
            ExceptionTypes.Clear();
            return new(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime, Machine());
        }

        public string Describe(int operations)
        {
            var process = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _process;
            var (busy, total) = Machine();
            var machineBusy = total == _machine.Total ? 0 : 100.0 * (busy - _machine.Busy) / (total - _machine.Total);
            var exceptions = string.Join("; ", ExceptionTypes.Select(kv => $"{kv.Value}x {kv.Key}"));
            ExceptionTypes.Clear();
            return string.Create(CultureInfo.InvariantCulture, $"this process {process.TotalMilliseconds / Math.Max(1, operations):0.00} CPU ms per booking, {(GC.GetTotalAllocatedBytes() - _allocated) / 1024.0 / Math.Max(1, operations):0} KB allocated per booking, {GC.CollectionCount(0) - _gcs} GCs, {System.Runtime.JitInfo.GetCompiledMethodCount() - _jitted} methods jitted in {(System.Runtime.JitInfo.GetCompilationTime() - _jitTime).TotalMilliseconds:0} ms, {Exceptions - _exceptions} exceptions [{exceptions}], machine {machineBusy:0}% busy");
        }

        private static (long Busy, long Total) Machine()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
                var idle = fields[3] + fields[4];
                var total = fields.Sum();
                return (total - idle, total);
            }
            catch (IOException)
            {
                return (0, 0);
            }
        }
    }

    public static class Report
    {
        public static string Markdown(BenchOptions options, IReadOnlyList<DbResult> results)
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.AppendLine("# Booking benchmark");
            sb.AppendLine();
            sb.AppendLine(c, $"- Date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
            sb.AppendLine(c, $"- Machine: {Environment.ProcessorCount} CPUs (nproc), {CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
            if (options.Commit is { Length: > 0 })
            {
                sb.AppendLine(c, $"- Code: commit {options.Commit}");
            }
            sb.AppendLine(c, $"- Load: {options.Teachers} teachers with 3 pupils each (one parent per pupil), {options.Concurrency} concurrent HTTP clients on loopback, bearer tokens from `POST /api/v1/auth/login`");
            foreach (var r in results)
            {
                sb.AppendLine(c, $"- {r.Db} durability: app connections `{r.AppDurability}`; baseline connection `{r.Raw.Durability}`. Load average before the {r.Db} run: {r.LoadAverage}");
            }
            sb.AppendLine();
            sb.AppendLine("| Database | Measure | Figure | Ratio | Target | Result |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var r in results)
            {
                var t = r.Throughput;
                var l = r.Latency;
                var s = r.Slots;
                var q = r.ThroughputWithoutNotifications;
                sb.AppendLine(c, $"| {r.Db} | Raw insert rate, one connection (one row per transaction, ADO.NET) | {r.RawSingle.PerSecond:0} /s ({r.RawSingle.Inserts} in {r.RawSingle.Seconds:0.0} s) | — | — | {(r.Raw == r.RawSingle ? "baseline" : "—")} |");
                sb.AppendLine(c, $"| {r.Db} | Raw insert rate, {t.Concurrency} connections at once | {r.RawConcurrent.PerSecond:0} /s ({r.RawConcurrent.Inserts} in {r.RawConcurrent.Seconds:0.0} s) | — | — | {(r.Raw == r.RawConcurrent ? "baseline" : "—")} |");
                sb.AppendLine(c, $"| {r.Db} | Booking throughput without notifications (benchmark-only switch) | {q.PerSecond:0} /s ({q.Created} × 201 in {q.Seconds:0.0} s, {q.Failed} failed) | {q.PerSecond / r.Raw.PerSecond:0.00} × raw | — | — |");
                sb.AppendLine(c, $"| {r.Db} | Booking throughput, `POST /api/v1/sessions`, {t.Concurrency} clients (notifications on, as the product runs) | {t.PerSecond:0} /s ({t.Created} × 201 in {t.Seconds:0.0} s, {t.Failed} failed) | {r.Ratio:0.00} × raw | ≥ {BenchOptions.ThroughputTarget:0.0} × raw | {Verdict(r.ThroughputPassed)} |");
                sb.AppendLine(c, $"| {r.Db} | Notifications' cost: throughput with them ÷ without | {r.NotificationsRatio:0.00} | — | ≥ {BenchOptions.NotificationsTarget:0.00} | {Verdict(r.NotificationsPassed)} |");
                sb.AppendLine(c, $"| {r.Db} | Booking latency, open loop at 0.5 × raw = {l.TargetRate:0} /s | p50 {l.P50Ms:0.0} ms, p99 {l.P99Ms:0.0} ms, max {l.MaxMs:0.0} ms ({l.Created} × 201, {l.Failed} failed) | — | p99 < {BenchOptions.LatencyP99TargetMs:0} ms | {Verdict(r.LatencyPassed)} |");
                var h = r.LatencyAtHalfThroughput;
                sb.AppendLine(c, $"| {r.Db} | Booking latency, open loop at half the booking throughput above = {h.TargetRate:0} /s (for comparison) | p50 {h.P50Ms:0.0} ms, p99 {h.P99Ms:0.0} ms, max {h.MaxMs:0.0} ms ({h.Created} × 201, {h.Failed} failed) | — | — | — |");
                sb.AppendLine(c, $"| {r.Db} | Slot finder, `GET /api/v1/slots`, two weeks, teacher with {BenchOptions.SlotTeacherSessions} sessions | p50 {s.P50Ms:0.00} ms, p99 {s.P99Ms:0.00} ms ({s.Calls} calls, {s.SlotsFound} slots offered, {s.Failed} failed) | — | p99 < {BenchOptions.SlotsP99TargetMs:0} ms | {Verdict(r.SlotsPassed)} |");
            }
            sb.AppendLine();
            sb.AppendLine("Cost of the throughput run (app and clients share one process, so both are counted):");
            sb.AppendLine();
            foreach (var r in results)
            {
                sb.AppendLine(c, $"- {r.Db}: {r.ThroughputCost.ReplaceLineEndings(" ")}; outbox: {r.Outbox}");
            }
            sb.AppendLine();
            sb.AppendLine("The load clients' share (the same booking requests from the same clients, answered at once by a bare Kestrel server in this process with a booking's answer: client work plus bare HTTP handling, so an upper bound of the clients' part of the cost above):");
            sb.AppendLine();
            foreach (var r in results)
            {
                sb.AppendLine(c, $"- {r.Db}: {r.ClientCost.Replace("per booking", "per request", StringComparison.Ordinal)}");
            }
            sb.AppendLine();
            sb.AppendLine("Cost of the slot finder (the measured calls, after the warm-up; one client in this process):");
            sb.AppendLine();
            foreach (var r in results)
            {
                sb.AppendLine(c, $"- {r.Db}: {r.SlotCost}");
            }
            var failureLines = new List<string>();
            foreach (var r in results)
            {
                foreach (var (phase, failures) in new[] { ("throughput", r.Throughput.Failures), ("latency", r.Latency.Failures) })
                {
                    foreach (var (what, n) in failures)
                    {
                        failureLines.Add(string.Create(c, $"- {r.Db} {phase}: {n} × `{what.ReplaceLineEndings(" ")}`"));
                    }
                }
            }
            if (failureLines.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("Failures (anything but 201 Created):");
                sb.AppendLine();
                failureLines.ForEach(l => sb.AppendLine(l));
            }
            sb.AppendLine();
            sb.AppendLine("How it is measured (`bench/run.sh`, source in `bench/Chaperone.Bench`):");
            sb.AppendLine();
            sb.AppendLine("- The real app (built as `Program` builds it, served by Kestrel on 127.0.0.1) runs on a fresh SQLite file (WAL, set by the migrations) or a fresh database on a throwaway PostgreSQL with `fsync` and `synchronous_commit` on. Only the clock is fixed (Monday 30 November 2026, 08:00 UTC) so that every booking is at least 48 hours ahead.");
            sb.AppendLine("- Baseline: on the same file or server, in the same run, with the app's connection string (so the same durability), one narrow row per transaction (BEGIN, INSERT, COMMIT) with plain ADO.NET, for up to " + options.RawTime.TotalSeconds.ToString("0", c) + " s: once from one connection, once from as many connections as booking clients; the higher rate is the baseline.");
            sb.AppendLine("- Notifications: the product always writes a booking's emails (one per parent and a copy to the teacher) to the outbox in the booking's transaction; its reminders (the school day before and the morning) are written by the reminder job when they fall due, not with the booking, and none falls due during the run (the clock stands still on Monday 08:00, every booking is Thursday or later); the outbox worker runs in the same process and sends the due ones to the mail folder (no SMTP host) as they come. For the baseline of their cost only, the benchmark puts a switch in front of the booking's notifications and runs the same throughput test with it off and on in turns (off, on, four times each); the outbox worker sends what is due before each turn. The cost line gives each turn with notifications on.");
            sb.AppendLine("- Throughput: valid, non-conflicting bookings (one teacher, pupil and parent each, 30 minutes, distinct times per teacher) sent back to back by concurrent clients for four turns of up to " + (options.ThroughputTime.TotalSeconds / 8).ToString("0.#", c) + " s each with notifications and four without (each set taken together), after warming up until the JIT has settled (at most " + options.WarmupTime.TotalSeconds.ToString("0", c) + " s); only 201 Created counts, anything else is reported as a failure.");
            sb.AppendLine("- Latency: bookings due at a fixed schedule (open loop) at half the measured raw insert rate for about " + options.LatencyTime.TotalSeconds.ToString("0", c) + " s; each latency runs from the booking's due time to its answer. At most " + ApiLoad.MaxInFlight.ToString(c) + " requests are outstanding; a booking due beyond that is dropped and counted as failed. For comparison, the same is run at half the booking throughput measured above, last of all, once the outbox has caught up and the database has settled (as for the slot finder): the answer times of a server busy but not past what it sustains.");
            sb.AppendLine("- Slot finder: one client, " + options.SlotCalls.ToString(c) + " calls after warming up in rounds of 100 calls until the JIT has settled (a round compiling fewer than 20 methods, after at least three rounds; at most " + options.WarmupTime.TotalSeconds.ToString("0", c) + " s), for a teacher with " + BenchOptions.SlotTeacherSessions.ToString(c) + " sessions (eight a day), with a pupil and parent, over 14 days, 30-minute sessions every 15 minutes, in a school that by then holds the bookings above as well, once the outbox worker has sent their emails and the database has done what its background work would do after those bursts (PostgreSQL: CHECKPOINT and VACUUM (ANALYZE), as its checkpointer and autovacuum would; SQLite: a checkpoint of the whole log), so that the search is not measured against that catch-up.");
            return sb.ToString();
        }

        private static string Verdict(bool passed) => passed ? "**PASS**" : "**FAIL**";

        private static string CpuModel()
        {
            try
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
            }
            catch (IOException)
            {
                return "unknown CPU";
            }
        }
    }
}
