using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable(AuditStorage.Table);
        b.Property(e => e.Id).ValueGeneratedOnAdd();
        b.Property(e => e.ActorName).HasMaxLength(AuditLog.MaxText);
        b.Property(e => e.Action).HasMaxLength(64);
        b.Property(e => e.SubjectType).HasMaxLength(32);
        b.Property(e => e.SubjectId).HasMaxLength(64);
        b.Property(e => e.Details).HasMaxLength(AuditLog.MaxDetails);
        b.Property(e => e.Hash).HasMaxLength(AuditChain.HashLength);
        // The chain, in order, per school; a position is taken once.
        b.HasIndex(e => new { e.SchoolId, e.Position }).IsUnique();
        // What the sealer looks for: a small index that holds only unsealed entries.
        b.HasIndex(e => new { e.SchoolId, e.Id }).HasFilter("\"Position\" IS NULL").HasDatabaseName("IX_AuditEntries_Unsealed");
        // The admin's search: newest first, by action or actor.
        b.HasIndex(e => new { e.SchoolId, e.At });
    }
}

internal sealed class AuditChainHeadConfiguration : IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditChainHead> b)
    {
        b.ToTable("AuditChainHeads");
        b.HasKey(h => h.SchoolId);
        b.Property(h => h.SchoolId).ValueGeneratedNever();
        b.Property(h => h.Hash).HasMaxLength(AuditChain.HashLength);
    }
}

/// <summary>
/// The database's own guard on the audit table, installed by the migration that creates it:
/// triggers refuse DELETE, refuse UPDATE of a sealed entry, and refuse any UPDATE that touches an
/// entry's content (sealing sets only <c>Position</c> and <c>Hash</c>, once). Someone who can drop
/// the triggers can still edit rows; <see cref="AuditVerifier"/> then detects it.
/// </summary>
public static class AuditStorage
{
    public const string Table = "AuditEntries";

    private const string ContentChangedSqlite =
        "NEW.\"Id\" IS NOT OLD.\"Id\" OR NEW.\"SchoolId\" IS NOT OLD.\"SchoolId\" OR NEW.\"At\" IS NOT OLD.\"At\" OR NEW.\"ActorId\" IS NOT OLD.\"ActorId\" " +
        "OR NEW.\"ActorName\" IS NOT OLD.\"ActorName\" OR NEW.\"Action\" IS NOT OLD.\"Action\" OR NEW.\"SubjectType\" IS NOT OLD.\"SubjectType\" " +
        "OR NEW.\"SubjectId\" IS NOT OLD.\"SubjectId\" OR NEW.\"Details\" IS NOT OLD.\"Details\" OR NEW.\"FormatVersion\" IS NOT OLD.\"FormatVersion\"";

    /// <summary>One statement each (a trigger's body has semicolons of its own).</summary>
    public static IReadOnlyList<string> SqliteTriggers { get; } =
    [
        "CREATE TRIGGER \"AuditEntries_NoDelete\" BEFORE DELETE ON \"AuditEntries\" " +
        "BEGIN SELECT RAISE(ABORT, 'Audit entries cannot be deleted.'); END;",
        "CREATE TRIGGER \"AuditEntries_NoUpdate\" BEFORE UPDATE ON \"AuditEntries\" " +
        "WHEN OLD.\"Hash\" IS NOT NULL OR " + ContentChangedSqlite + " " +
        "BEGIN SELECT RAISE(ABORT, 'Audit entries cannot be changed.'); END;",
    ];

    public static IReadOnlyList<string> SqliteDropTriggers { get; } =
    [
        "DROP TRIGGER IF EXISTS \"AuditEntries_NoDelete\";",
        "DROP TRIGGER IF EXISTS \"AuditEntries_NoUpdate\";",
    ];

    public const string PostgresTriggers = """
        CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
            RAISE EXCEPTION 'Audit entries cannot be deleted.';
          END IF;
          IF OLD."Hash" IS NOT NULL
             OR (NEW."Id", NEW."SchoolId", NEW."At", NEW."ActorId", NEW."ActorName", NEW."Action", NEW."SubjectType", NEW."SubjectId", NEW."Details", NEW."FormatVersion")
                IS DISTINCT FROM
                (OLD."Id", OLD."SchoolId", OLD."At", OLD."ActorId", OLD."ActorName", OLD."Action", OLD."SubjectType", OLD."SubjectId", OLD."Details", OLD."FormatVersion") THEN
            RAISE EXCEPTION 'Audit entries cannot be changed.';
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER "AuditEntries_AppendOnly" BEFORE UPDATE OR DELETE ON "AuditEntries"
          FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
        CREATE TRIGGER "AuditEntries_NoTruncate" BEFORE TRUNCATE ON "AuditEntries"
          FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
        """;

    public const string PostgresDropTriggers = """
        DROP TRIGGER IF EXISTS "AuditEntries_NoTruncate" ON "AuditEntries";
        DROP TRIGGER IF EXISTS "AuditEntries_AppendOnly" ON "AuditEntries";
        DROP FUNCTION IF EXISTS audit_entries_append_only();
        """;
}
