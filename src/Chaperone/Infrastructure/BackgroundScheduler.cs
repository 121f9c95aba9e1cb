using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Chaperone.Infrastructure;

/// <summary>
/// Runs background work (the outbox worker) on one thread of its own at the lowest scheduling
/// priority: on Linux, the idle policy (<c>SCHED_IDLE</c>), which runs the thread on what the
/// requests people are waiting on leave of the processors. Every continuation of the work comes
/// back here (an <c>await</c> resumes on the scheduler it started on), so on a busy machine the
/// requests get the processors first and the background work takes what is left; on an idle
/// machine the priority changes nothing. (A request waiting on something the thread holds does
/// not wait long: while it waits, it leaves a processor free for the thread.) Work that must not
/// wait behind the background's priority (leading a group commit that bookings wait for) moves
/// itself to the thread pool (<see cref="IsCurrent"/>).
/// </summary>
public sealed class BackgroundScheduler : TaskScheduler, IDisposable
{
    /// <summary>Linux's idle scheduling policy (<c>SCHED_IDLE</c>): below every nice value; taking it needs no privilege.</summary>
    public const int IdlePolicy = 5;

    private readonly BlockingCollection<Task> _tasks = [];
    private readonly Thread _thread;

    public BackgroundScheduler(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Whether the calling code runs on a background scheduler (one of this type).</summary>
    public static bool IsCurrent => Current is BackgroundScheduler;

    /// <summary>Whether the thread runs under the idle policy (false where it could not be set, as off Linux).</summary>
    public bool RunsIdle { get; private set; }

    /// <summary>Runs <paramref name="work"/> on this scheduler's thread; its continuations stay there.</summary>
    public Task RunAsync(Func<Task> work, CancellationToken ct) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    private void Run()
    {
        RunsIdle = LowerPriority();
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

    /// <summary>Puts the calling thread (Linux schedules each thread on its own) under the idle policy; lowering priority needs no privilege.</summary>
    private static bool LowerPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        var parameter = new Native.SchedParam { Priority = 0 };
        return Native.sched_setscheduler(0, IdlePolicy, ref parameter) == 0;
    }

    private static class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct SchedParam
        {
            public int Priority;
        }

        // pid 0: the calling thread.
        [DllImport("libc", SetLastError = true)]
        public static extern int sched_setscheduler(int pid, int policy, ref SchedParam parameter);
    }
}
