using System.Security.Claims;
using System.Text.Json;
using Chaperone.Infrastructure;
using Chaperone.Storage;

namespace Chaperone.Audit;

/// <summary>Who did something, as the audit trail names them.</summary>
public sealed record AuditActor(Guid? Id, string Name)
{
    /// <summary>Chaperone itself (a scheduled job, a command).</summary>
    public static readonly AuditActor System = new(null, "Chaperone");

    /// <summary>The signed-in member of staff.</summary>
    public static AuditActor From(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? new(id, user.DisplayName()) : new(null, user.DisplayName());
}

/// <summary>
/// Appends entries to a school's audit trail. Call <see cref="Record"/> on the same
/// <see cref="ChaperoneDbContext"/> as the change it records, before that change is saved: the
/// entry is then written by the same <c>SaveChanges</c> (and inside the same transaction, if
/// there is one), so the change and its entry commit together or not at all.
/// </summary>
/// <remarks>
/// <para>Guarantees. An entry is inserted unsealed. Within moments (signalled when it commits,
/// and on a short timer) the <see cref="AuditSealer"/> gives it the next position in its school's
/// chain and its hash (<see cref="AuditChain"/>); sealing is one writer per school (a PostgreSQL
/// advisory lock across nodes; the SQLite write gate), so it never makes writers of the hot paths
/// wait for each other. Database triggers refuse UPDATE of a sealed entry, any change to an
/// entry's content, and DELETE.</para>
/// <para>What verification proves (<see cref="AuditVerifier"/>): every sealed entry is as it was
/// sealed, none is missing (positions are gapless and the chain ends where the sealer last left
/// it), none was inserted or reordered. Unsealed entries older than
/// <see cref="AuditVerifier.SealingDeadline"/> are reported as a fault. What it cannot prove:
/// that someone with write access to the database did not change an entry in the moments before
/// it was sealed, or rewrite a whole chain and its head consistently; keep database backups (or
/// copy the chain head elsewhere) for that.</para>
/// </remarks>
public static class AuditLog
{
    public const int MaxDetails = 4000;
    public const int MaxText = 200;

    /// <summary>Adds an unsealed entry to <paramref name="db"/>; it is saved with the next <c>SaveChanges</c>. The time is stamped on saving.</summary>
    /// <param name="details">A string as it is, or an object serialised as JSON.</param>
    public static AuditEntry Record(ChaperoneDbContext db, Guid schoolId, AuditActor actor, string action, string subjectType, string? subjectId, object? details = null)
    {
        var entry = Entry(schoolId, actor, action, subjectType, subjectId, details, default);
        db.AuditEntries.Add(entry);
        return entry;
    }

    /// <summary>An unsealed entry made at <paramref name="at"/>, not yet added anywhere (for <see cref="AppendAsync"/>).</summary>
    /// <param name="details">A string as it is, or an object serialised as JSON.</param>
    public static AuditEntry Entry(Guid schoolId, AuditActor actor, string action, string subjectType, string? subjectId, object? details, DateTimeOffset at)
    {
        var text = details switch
        {
            null => null,
            string s => s,
            _ => JsonSerializer.Serialize(details, JsonOptions),
        };
        return new AuditEntry
        {
            SchoolId = schoolId,
            At = at == default ? default : AuditChain.ToStoredPrecision(at),
            ActorId = actor.Id,
            ActorName = Cut(actor.Name, MaxText),
            Action = action,
            SubjectType = subjectType,
            SubjectId = subjectId,
            Details = text is null ? null : Cut(text, MaxDetails),
        };
    }

    /// <summary>
    /// Inserts many entries (made by <see cref="Entry"/>) at once, in multi-row statements, inside
    /// the transaction of the change they record; for bulk jobs whose thousands of entries a batch
    /// would cost more through <c>SaveChanges</c> than the work they record. Nothing wakes the
    /// sealer: raise <see cref="AuditSignal"/> once the transaction has committed (else the entries
    /// wait for the sealer's next round, at most <see cref="AuditSealer.Interval"/>).
    /// </summary>
    public static Task<int> AppendAsync(ChaperoneDbContext db, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        if (entries.Any(e => e.At == default || e.Position is not null || e.Hash is not null))
        {
            throw new ArgumentException("Entries are appended unsealed and with their time.", nameof(entries));
        }
        return MultiRowInsert.InsertAsync(db, entries, ct);
    }

    /// <summary>As <see cref="Record"/>, for the signed-in member of staff.</summary>
    public static AuditEntry Record(ChaperoneDbContext db, ClaimsPrincipal user, string action, string subjectType, Guid? subjectId, object? details = null) =>
        Record(db, user.SchoolId(), AuditActor.From(user), action, subjectType, subjectId is { } id ? Ids.Format(id) : null, details);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
