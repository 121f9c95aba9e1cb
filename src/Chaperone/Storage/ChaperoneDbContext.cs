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

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        var stubs = BeforeSaving();
        try
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            Forget(stubs);
        }
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var stubs = BeforeSaving();
        try
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            Forget(stubs);
        }
    }

    /// <summary>Adds the school of every <typeparamref name="T"/> row this save adds, changes or removes.</summary>
    private void AddChangedSchools<T>(Func<T, Guid> schoolOf, HashSet<Guid> changed) where T : class
    {
        foreach (var entry in ChangeTracker.Entries<T>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            {
                changed.Add(schoolOf(entry.Entity));
            }
        }
    }

    /// <summary>
    /// Gives every school whose settings, closures, call-provider settings or message wording this save changes a new
    /// <see cref="School.SettingsStamp"/>, written in the same transaction. A school not loaded
    /// is stamped through a stand-in that carries only its id and stamp; the stand-ins are
    /// returned so that they are forgotten after the save and never read as the school.
    /// </summary>
    private List<School> StampSchoolSettings()
    {
        var changed = new HashSet<Guid>();
        foreach (var entry in ChangeTracker.Entries<School>())
        {
            if (entry.State == EntityState.Modified && !entry.Property(s => s.SettingsStamp).IsModified)
            {
                changed.Add(entry.Entity.Id);
            }
        }
        // Closures are part of the settings; the call provider a booking gets (BookingFacts) and the
        // wording of the school's messages (SessionNotifications) are kept under the same stamp.
        AddChangedSchools<Closure>(c => c.SchoolId, changed);
        AddChangedSchools<Teams.TeamsSchoolSettings>(t => t.SchoolId, changed);
        AddChangedSchools<Notifications.MessageTemplate>(t => t.SchoolId, changed);
        var stubs = new List<School>();
        foreach (var schoolId in changed)
        {
            var tracked = Schools.Local.FindEntry(schoolId);
            if (tracked is { State: EntityState.Added or EntityState.Deleted })
            {
                continue;
            }
            if (tracked is null)
            {
                var stub = new School { Id = schoolId, Name = "" };
                Schools.Attach(stub);
                stubs.Add(stub);
                tracked = Entry(stub);
            }
            tracked.Property(s => s.SettingsStamp).CurrentValue = Guid.NewGuid();
            tracked.Property(s => s.SettingsStamp).IsModified = true;
        }
        return stubs;
    }

    private void Forget(List<School> stubs)
    {
        foreach (var stub in stubs)
        {
            Entry(stub).State = EntityState.Detached;
        }
    }

    /// <summary>
    /// What every save does first (<see cref="KeepParticipantTimes"/>, <see cref="StampSchoolSettings"/>),
    /// on one pass of change detection rather than one per kind of entity looked at.
    /// </summary>
    private List<School> BeforeSaving()
    {
        var detect = ChangeTracker.AutoDetectChangesEnabled;
        if (detect)
        {
            ChangeTracker.DetectChanges();
        }
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            KeepParticipantTimes();
            return StampSchoolSettings();
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>
    /// Copies each new or moved session's times onto its pupils and guardians (their copy serves
    /// the index by person and time). A session moved without its participants loaded, or a
    /// participant added without its session, is refused rather than left with the wrong times.
    /// </summary>
    private void KeepParticipantTimes()
    {
        foreach (var entry in ChangeTracker.Entries<Session>())
        {
            var moved = entry.State == EntityState.Modified && (entry.Property(s => s.Start).IsModified || entry.Property(s => s.End).IsModified);
            if (entry.State != EntityState.Added && !moved)
            {
                continue;
            }
            if (moved && !(entry.Collection(s => s.Pupils).IsLoaded && entry.Collection(s => s.Guardians).IsLoaded))
            {
                throw new InvalidOperationException($"Session {entry.Entity.Id} was moved without its pupils and guardians loaded; include them so that their times move too.");
            }
            var session = entry.Entity;
            foreach (var pupil in session.Pupils)
            {
                pupil.Start = session.Start;
                pupil.End = session.End;
            }
            foreach (var guardian in session.Guardians)
            {
                guardian.Start = session.Start;
                guardian.End = session.End;
            }
        }
        foreach (var entry in ChangeTracker.Entries<SessionPupil>())
        {
            if (entry.State == EntityState.Added && entry.Entity.End == default)
            {
                throw new InvalidOperationException($"Pupil {entry.Entity.PupilId} was added to session {entry.Entity.SessionId} without the session: add it through Session.Pupils.");
            }
        }
        foreach (var entry in ChangeTracker.Entries<SessionGuardian>())
        {
            if (entry.State == EntityState.Added && entry.Entity.End == default)
            {
                throw new InvalidOperationException($"Guardian {entry.Entity.GuardianId} was added to session {entry.Entity.SessionId} without the session: add it through Session.Guardians.");
            }
        }
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
