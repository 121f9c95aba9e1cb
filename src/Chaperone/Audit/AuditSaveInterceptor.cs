using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Chaperone.Audit;

/// <summary>
/// Stamps new audit entries with the injected clock's time as they are saved, and wakes the
/// <see cref="AuditSealer"/> once they are committed: after <c>SaveChanges</c> when no
/// transaction is open, else when the transaction commits.
/// </summary>
public sealed class AuditSaveInterceptor(TimeProvider clock, AuditSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private sealed class Pending
    {
        public bool Value;
    }

    private readonly ConditionalWeakTable<DbContext, Pending> _pending = [];

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    private void Stamp(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var any = false;
        foreach (var entry in context.ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State == EntityState.Added)
            {
                entry.Property(e => e.At).CurrentValue = AuditChain.ToStoredPrecision(clock.GetUtcNow());
                any = true;
            }
        }
        if (any)
        {
            _pending.GetOrCreateValue(context).Value = true;
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null && TakePending(context))
        {
            signal.Raise();
        }
    }

    private bool TakePending(DbContext context)
    {
        if (_pending.TryGetValue(context, out var pending) && pending.Value)
        {
            pending.Value = false;
            return true;
        }
        return false;
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && TakePending(context))
        {
            signal.Raise();
        }
    }

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            TakePending(context);
        }
    }

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }
}

/// <summary>Wakes the sealer: many raises before it runs count as one.</summary>
public sealed class AuditSignal : IDisposable
{
    private readonly SemaphoreSlim _raised = new(0, 1);

    public void Raise()
    {
        try
        {
            if (_raised.CurrentCount == 0)
            {
                _raised.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already raised by another thread: one wake-up is enough.
        }
    }

    /// <summary>Waits until raised or until <paramref name="timeout"/> passes.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _raised.WaitAsync(timeout, ct);

    public void Dispose() => _raised.Dispose();
}
