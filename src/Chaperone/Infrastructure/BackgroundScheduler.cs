using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Chaperone.Infrastructure;

/// <summary>
/// Runs background work (the outbox worker) on one thread of its own at a lower scheduling
/// priority than the requests people are waiting on. Every continuation of the work comes back
/// here (an <c>await</c> resumes on the scheduler it started on), so on a busy machine the
/// requests get the processors first and the background work takes what is left; on an idle
/// machine the priority changes nothing. Work that must not wait behind the background's priority
/// (leading a group commit that bookings wait for) moves itself to the thread pool
/// (<see cref="IsCurrent"/>).
/// </summary>
public sealed class BackgroundScheduler : TaskScheduler, IDisposable
{
    /// <summary>
    /// The nice value of the thread on Linux (0 is normal, 19 the lowest). Ten gives the thread about
    /// a tenth of a processor's share against one busy at normal priority: requests come first, and
    /// on a saturated machine the emails are still sent within seconds (at 19 they waited tens of
    /// seconds behind two busy processors).
    /// </summary>
    public const int Niceness = 10;

    private readonly BlockingCollection<Task> _tasks = [];
    private readonly Thread _thread;

    public BackgroundScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Whether the calling code runs on a background scheduler (one of this type).</summary>
    public static bool IsCurrent => Current is BackgroundScheduler;

    /// <summary>The thread's nice value as set, or null where it could not be set (not Linux).</summary>
    public int? AppliedNiceness { get; private set; }

    /// <summary>Runs <paramref name="work"/> on this scheduler's thread; its continuations stay there.</summary>
    public Task RunAsync(Func<Task> work, CancellationToken ct) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    private void Run()
    {
        AppliedNiceness = LowerPriority();
        foreach (var task in _tasks.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }

    protected override void QueueTask(Task task)
    {
        try
        {
            _tasks.Add(task);
        }
        catch (InvalidOperationException)
        {
            // Disposed (the app is stopping): what still comes runs on the thread pool.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Scheduler.TryExecuteTask(s.Task), (Scheduler: this, Task: task), preferLocal: false);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Lets the thread finish what is queued and end; later work runs on the thread pool.</summary>
    public void Dispose() => _tasks.CompleteAdding();

    /// <summary>Raises the calling thread's nice value (Linux gives each thread its own); lowering priority needs no privilege.</summary>
    private static int? LowerPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        return Native.setpriority(Native.PrioProcess, Native.gettid(), Niceness) == 0 ? Niceness : null;
    }

    private static class Native
    {
        public const int PrioProcess = 0;

        [DllImport("libc", SetLastError = true)]
        public static extern int setpriority(int which, int who, int prio);

        [DllImport("libc")]
        public static extern int gettid();
    }
}
