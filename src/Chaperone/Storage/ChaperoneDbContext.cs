using Chaperone.Audit;
using Chaperone.Compliance;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Chaperone.Storage;

/// <summary>
/// Chaperone's database. Every school-owned table carries <c>SchoolId</c>, so the data can be
/// distributed by school, and every query in the features filters on it.
/// </summary>
/// <remarks>
/// Each provider has its own derived context and its own migrations. To add a migration, run
/// from the repository root both of:
/// <code>
/// dotnet ef migrations add NAME -p src/Chaperone -c SqliteChaperoneDbContext -o Storage/Migrations/Sqlite
/// dotnet ef migrations add NAME -p src/Chaperone -c PostgresChaperoneDbContext -o Storage/Migrations/Postgres
/// </code>
/// </remarks>
public abstract class ChaperoneDbContext(DbContextOptions options)
    : IdentityDbContext<StaffMember, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<School> Schools => Set<School>();
    public DbSet<Closure> Closures => Set<Closure>();
    public DbSet<Pupil> Pupils => Set<Pupil>();
    public DbSet<Guardian> Guardians => Set<Guardian>();
    public DbSet<PupilGuardian> PupilGuardians => Set<PupilGuardian>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<SessionPupil> SessionPupils => Set<SessionPupil>();
    public DbSet<SessionGuardian> SessionGuardians => Set<SessionGuardian>();
    public DbSet<EvidenceRecord> Evidence => Set<EvidenceRecord>();
    public DbSet<Families.FamilyChecklistAnswer> FamilyChecklistAnswers => Set<Families.FamilyChecklistAnswer>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<AuditChainHead> AuditChainHeads => Set<AuditChainHead>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<MessageTemplate> MessageTemplates => Set<MessageTemplate>();
    public DbSet<CalendarFeed> CalendarFeeds => Set<CalendarFeed>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ChaperoneDbContext).Assembly);
    }
}

/// <summary>The embedded default: a SQLite file under <c>DataDirectory</c>.</summary>
public sealed class SqliteChaperoneDbContext(DbContextOptions<SqliteChaperoneDbContext> options) : ChaperoneDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date-time type: store instants as UTC ticks so that they compare and sort in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>Production: PostgreSQL.</summary>
public sealed class PostgresChaperoneDbContext(DbContextOptions<PostgresChaperoneDbContext> options) : ChaperoneDbContext(options);
