using System.Diagnostics;
using System.Globalization;
using System.Text;
using Chaperone.Recordings;
using Chaperone.Retention;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Bench;

/// <summary>
/// Retention deletion rate (<c>bench/run.sh retention</c>): N recordings (rows with wrapped keys, one
/// encrypted chunk file each) made before the school's face-to-face date, deleted by the app's own
/// retention job (mark, delete files in parallel, clear keys, register and audit each deletion);
/// compared with plain deletion of N files of the same size, measured in the same run. Target: the
/// retention rate is at least a quarter of the plain rate.
/// </summary>
public static class RetentionBench
{
    public const double TargetShare = 0.25;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var count = int.Parse(Get("--recordings") ?? "100000", CultureInfo.InvariantCulture);
        var size = int.Parse(Get("--bytes") ?? "4096", CultureInfo.InvariantCulture);
        var postgres = Get("--postgres") ?? Environment.GetEnvironmentVariable("CHAPERONE_BENCH_POSTGRES");
        var work = Get("--work") ?? Path.Combine(Path.GetTempPath(), "chaperone-bench");
        var output = Get("--out") ?? "bench/results/retention.md";
        Directory.CreateDirectory(work);
        var loadBefore = AuditBench.LoadAverage();

        var rows = new List<string>();
        var profiles = new List<string>();
        var passed = true;
        var databases = postgres is null ? new[] { BenchDb.Sqlite } : new[] { BenchDb.Sqlite, BenchDb.Postgres };
        foreach (var db in databases)
        {
            var (plainRate, plainSeconds, rate, seconds, registered, filesLeft, profile) = await MeasureAsync(db, count, size, work, postgres);
            profiles.Add($"- {db}: {profile}");
            var share = rate / plainRate;
            var ok = registered == count && filesLeft == 0 && share >= TargetShare;
            passed &= ok;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {db} | {count:N0} × {size:N0} B | {plainSeconds:F2} s, {plainRate:N0} files/s | {seconds:F2} s, {rate:N0} recordings/s | {registered:N0} | {filesLeft:N0} | {share:P0} | ≥ {TargetShare:P0} | **{(ok ? "PASS" : "FAIL")}** |"));
            Console.WriteLine(rows[^1]);
        }

        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Retention deletion benchmark");
        sb.AppendLine();
        sb.AppendLine(c, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(c, $"- Machine: {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        sb.AppendLine(c, $"- Code: commit {Get("--commit") ?? "unknown"}");
        sb.AppendLine(c, $"- Load average before the runs: {loadBefore} (the machine is shared; a load far above its CPU count stretches the times)");
        sb.AppendLine();
        sb.AppendLine("| Database | Recordings | Plain file deletion | Retention (rows, files, keys, register, audit) | Registered | Files left | Retention ÷ plain | Target | Result |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            sb.AppendLine(row);
        }
        sb.AppendLine();
        sb.AppendLine("Where the time goes (seconds summed per phase over the run; the commit of one batch overlaps the next batch's files, so the phases add up to more than the run; `wait` is the pipeline waiting for the previous batch's commit; sealing is the audit sealer putting the new entries into the hash chain in the background, during the run and after it until every entry is sealed):");
        sb.AppendLine();
        foreach (var profile in profiles)
        {
            sb.AppendLine(profile);
        }
        sb.AppendLine();
        sb.AppendLine("How it is measured (`bench/run.sh retention`, source in `bench/Chaperone.Bench/RetentionBench.cs`):");
        sb.AppendLine();
        sb.AppendLine("- The real app (as in the booking benchmark) on a fresh database. One school and session; N recording rows made the week before, each with its own data key wrapped by the master key and one encrypted chunk file of the given size in the recordings store, written before the clock starts.");
        sb.AppendLine("- Plain deletion: N files of the same size in one folder on the same disk, deleted with `File.Delete` in parallel (the same parallelism the retention job uses), timed alone.");
        sb.AppendLine("- Retention: the school's face-to-face date is set to today, then `RetentionJob.RunAsync` (what the scheduled worker runs) is timed to its end: one set-based update marks every recording pending; then per batch of 1,000, the files are deleted in parallel (each recording's counted chunk, and the one chunk and temporary file an interrupted upload could have left) and one transaction (running while the next batch's files are deleted) clears the keys and marks the rows deleted (one set-based update) and inserts a deletion-register entry and an audit entry per recording (multi-row inserts). The audit sealer runs as in the app, sealing the new entries into the school's hash chain while the job runs. Afterwards the register is counted and the files looked for.");
        sb.AppendLine("- PostgreSQL runs with `fsync` and `synchronous_commit` on (`bench/run.sh`); SQLite is the app's own file on the repository's disk.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, sb.ToString());
        Console.WriteLine(sb.ToString());
        return passed ? 0 : 1;
    }

    private static async Task<(double PlainRate, double PlainSeconds, double Rate, double Seconds, int Registered, int FilesLeft, string Profile)> MeasureAsync(
        BenchDb db, int count, int size, string work, string? postgres)
    {
        await using var app = await BenchApp.StartAsync(db, work, postgres);
        Console.WriteLine($"== {db}: writing {count:N0} recordings and {count:N0} plain files ==");
        var school = await BenchSchool.CreateAsync(app.Services, teacherCount: 1, pupilsPerTeacher: 1, slotTeacherSessions: 0);
        var ids = await FillAsync(app.Services, school, count, size);

        // Plain deletion of as many files of the same size, on the same disk.
        var plainDirectory = Path.Combine(app.DataDirectory, "plain");
        Directory.CreateDirectory(plainDirectory);
        var content = new byte[size];
        Random.Shared.NextBytes(content);
        var plainFiles = Enumerable.Range(0, count).Select(i => Path.Combine(plainDirectory, $"{i:D7}.bin")).ToArray();
        Parallel.ForEach(plainFiles, f => File.WriteAllBytes(f, content));
        var plain = Stopwatch.StartNew();
        Parallel.ForEach(plainFiles, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, File.Delete);
        plain.Stop();
        Console.WriteLine($"{db}: plain deletion {plain.Elapsed.TotalSeconds:F2} s");

        var store = app.Services.GetRequiredService<RecordingStore>();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            context.Add(new RetentionSettings { SchoolId = school.SchoolId, FaceToFaceResumedOn = DateOnly.FromDateTime(BenchApp.Now.UtcDateTime) });
            await context.SaveChangesAsync();
        }
        var job = app.Services.GetRequiredService<RetentionJob>();
        using var phases = new PhaseProfile();
        var watch = Stopwatch.StartNew();
        await job.RunAsync(CancellationToken.None);
        watch.Stop();
        Console.WriteLine($"{db}: retention {watch.Elapsed.TotalSeconds:F2} s");
        var duringRun = phases.Snapshot();
        int unsealedAtEnd;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            unsealedAtEnd = await context.AuditEntries.CountAsync(e => e.Position == null);
            var sealing = Stopwatch.StartNew();
            while (await context.AuditEntries.AnyAsync(e => e.Position == null) && sealing.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(50);
            }
        }
        var sealSeconds = phases.Snapshot().GetValueOrDefault("audit.seal");
        var profile = string.Create(CultureInfo.InvariantCulture,
            $"{string.Join(", ", duringRun.Where(p => p.Key != "audit.seal").Select(p => $"{p.Key.Replace("retention.", "", StringComparison.Ordinal)} {p.Value:F1}"))}; sealing {duringRun.GetValueOrDefault("audit.seal"):F1} during the run and {sealSeconds - duringRun.GetValueOrDefault("audit.seal"):F1} after it ({unsealedAtEnd:N0} entries still unsealed when the run ended)");
        Console.WriteLine($"{db}: {profile}");

        int registered;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            registered = await context.Set<DeletionRecord>().CountAsync(d => d.SchoolId == school.SchoolId && d.Kind == DeletionKinds.Recording);
        }
        var filesLeft = ids.Count(id => File.Exists(((FileRecordingBlobs)store.Blobs).PathOf(RecordingStore.ChunkName(school.SchoolId, id, 0))));
        return (count / plain.Elapsed.TotalSeconds, plain.Elapsed.TotalSeconds, count / watch.Elapsed.TotalSeconds, watch.Elapsed.TotalSeconds, registered, filesLeft, profile);
    }

    /// <summary>One session of the school's teacher and <paramref name="count"/> recordings of it, each with a wrapped key and one chunk file.</summary>
    private static async Task<List<Guid>> FillAsync(IServiceProvider services, BenchSchool school, int count, int size)
    {
        var store = services.GetRequiredService<RecordingStore>();
        var teacher = school.Teachers[0];
        var start = BenchApp.Now.AddDays(-7);
        var session = new Session
        {
            SchoolId = school.SchoolId, TeacherId = teacher.Id, Kind = SessionKind.Support, Status = SessionStatus.Ended,
            Start = start, End = start.AddMinutes(30), DurationMinutes = 30, BookedAt = start.AddDays(-3), BookedById = teacher.Id,
        };
        await using (var scope = services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            context.Add(session);
            await context.SaveChangesAsync();
        }
        var ids = new List<Guid>(count);
        var plain = new byte[size - 28]; // nonce and tag make the stored chunk exactly `size` bytes
        foreach (var chunk in Enumerable.Range(0, count).Chunk(5000))
        {
            var batch = chunk.Select(i => store.Begin(school.SchoolId, session.Id, CallProviders.BuiltIn, start.AddSeconds(i % 1800), "video/webm")).ToList();
            await Parallel.ForEachAsync(batch, async (r, ct) =>
            {
                await store.WriteChunkAsync(r, 0, plain, ct);
                r.Chunks = 1;
                r.Bytes = plain.Length;
            });
            await using var scope = services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
            context.ChangeTracker.AutoDetectChangesEnabled = false;
            context.AddRange(batch);
            await context.SaveChangesAsync();
            ids.AddRange(batch.Select(r => r.Id));
        }
        return ids;
    }

    /// <summary>Seconds spent per traced phase of retention and audit sealing, summed while it is listening.</summary>
    private sealed class PhaseProfile : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public PhaseProfile()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name is RecordingDeletion.TracingSource or Chaperone.Audit.AuditSealer.TracingSource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = a =>
                {
                    lock (_lock)
                    {
                        _seconds[a.OperationName] = _seconds.GetValueOrDefault(a.OperationName) + a.Duration.TotalSeconds;
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>The sums so far, in the order the phases first ended.</summary>
        public Dictionary<string, double> Snapshot()
        {
            lock (_lock)
            {
                return new Dictionary<string, double>(_seconds, StringComparer.Ordinal);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
