using Chaperone.Compliance;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Storage;

internal sealed class SchoolConfiguration : IEntityTypeConfiguration<School>
{
    public void Configure(EntityTypeBuilder<School> b)
    {
        b.Property(s => s.Name).HasMaxLength(200);
        b.Property(s => s.TimeZoneId).HasMaxLength(64);
        b.Property(s => s.OfficeEmail).HasMaxLength(SchoolContact.MaxEmail);
        b.Property(s => s.OfficePhone).HasMaxLength(SchoolContact.MaxPhone);
        b.HasMany(s => s.Closures).WithOne().HasForeignKey(c => c.SchoolId);
    }
}

internal sealed class ClosureConfiguration : IEntityTypeConfiguration<Closure>
{
    public void Configure(EntityTypeBuilder<Closure> b)
    {
        b.Property(c => c.Reason).HasMaxLength(200);
        b.HasIndex(c => new { c.SchoolId, c.FirstDay });
    }
}

internal sealed class StaffConfiguration : IEntityTypeConfiguration<StaffMember>
{
    public void Configure(EntityTypeBuilder<StaffMember> b)
    {
        b.Property(s => s.Name).HasMaxLength(200);
        b.HasOne<School>().WithMany().HasForeignKey(s => s.SchoolId);
        b.HasIndex(s => s.SchoolId);
    }
}

internal sealed class PupilConfiguration : IEntityTypeConfiguration<Pupil>
{
    public void Configure(EntityTypeBuilder<Pupil> b)
    {
        b.Property(p => p.Name).HasMaxLength(200);
        b.HasOne<School>().WithMany().HasForeignKey(p => p.SchoolId);
        b.HasIndex(p => new { p.SchoolId, p.Name });
        // A school's pupils named by id (a booking's, a check's): SQLite, without statistics,
        // would otherwise walk every pupil of the school on the school index for such a list.
        b.HasIndex(p => new { p.SchoolId, p.Id });
    }
}

internal sealed class GuardianConfiguration : IEntityTypeConfiguration<Guardian>
{
    public void Configure(EntityTypeBuilder<Guardian> b)
    {
        b.Property(g => g.Name).HasMaxLength(200);
        b.Property(g => g.Relationship).HasMaxLength(100);
        b.Property(g => g.Email).HasMaxLength(320);
        b.Property(g => g.Phone).HasMaxLength(40);
        b.HasOne<School>().WithMany().HasForeignKey(g => g.SchoolId);
        // By school and id, not school alone: a list of a school's guardians named by id is then
        // found by both, where SQLite would otherwise walk every guardian of the school.
        b.HasIndex(g => new { g.SchoolId, g.Id });
    }
}

internal sealed class PupilGuardianConfiguration : IEntityTypeConfiguration<PupilGuardian>
{
    public void Configure(EntityTypeBuilder<PupilGuardian> b)
    {
        b.HasKey(pg => new { pg.PupilId, pg.GuardianId });
        b.HasOne(pg => pg.Pupil).WithMany(p => p.Guardians).HasForeignKey(pg => pg.PupilId);
        b.HasOne(pg => pg.Guardian).WithMany(g => g.Pupils).HasForeignKey(pg => pg.GuardianId);
        b.HasIndex(pg => pg.GuardianId);
        // By school and pupil, not school alone: the links of a school's pupils named by id are
        // then found by both, where SQLite would otherwise walk every link of the school.
        b.HasIndex(pg => new { pg.SchoolId, pg.PupilId });
    }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> b)
    {
        b.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.Status).HasConversion<string>().HasMaxLength(20)
            .IsConcurrencyToken(); // a cancel and a reschedule of the same session cannot both win
        b.Property(s => s.Sequence).IsConcurrencyToken();
        b.Property(s => s.Provider).HasMaxLength(20);
        b.Property(s => s.CancellationReason).HasMaxLength(2000);
        b.HasOne<School>().WithMany().HasForeignKey(s => s.SchoolId);
        b.HasOne<StaffMember>().WithMany().HasForeignKey(s => s.TeacherId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(s => s.Pupils).WithOne().HasForeignKey(p => p.SessionId);
        b.HasMany(s => s.Guardians).WithOne().HasForeignKey(g => g.SessionId);
        b.HasIndex(s => new { s.SchoolId, s.Start });
        b.HasIndex(s => new { s.TeacherId, s.Start });
    }
}

internal sealed class SessionPupilConfiguration : IEntityTypeConfiguration<SessionPupil>
{
    public void Configure(EntityTypeBuilder<SessionPupil> b)
    {
        b.HasKey(p => new { p.SessionId, p.PupilId });
        b.HasOne<Pupil>().WithMany().HasForeignKey(p => p.PupilId).OnDelete(DeleteBehavior.Restrict);
        // A pupil's sessions by time (conflicts and free slots), whatever else the school holds.
        b.HasIndex(p => new { p.PupilId, p.Start });
    }
}

internal sealed class SessionGuardianConfiguration : IEntityTypeConfiguration<SessionGuardian>
{
    public void Configure(EntityTypeBuilder<SessionGuardian> b)
    {
        b.HasKey(g => new { g.SessionId, g.GuardianId });
        b.HasOne<Guardian>().WithMany().HasForeignKey(g => g.GuardianId).OnDelete(DeleteBehavior.Restrict);
        // A guardian's sessions by time (conflicts and free slots), whatever else the school holds.
        b.HasIndex(g => new { g.GuardianId, g.Start });
    }
}

internal sealed class EvidenceConfiguration : IEntityTypeConfiguration<EvidenceRecord>
{
    public void Configure(EntityTypeBuilder<EvidenceRecord> b)
    {
        b.ToTable("Evidence");
        // Keys are made in the app, so nothing is read back on insert.
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.Stage).HasMaxLength(32);
        // A stage's findings travel together: one row (with a JSON column) instead of one row each;
        // as a complex collection they are saved with the row, not tracked as entities of their own.
        b.ComplexCollection(e => e.Items, items => items.ToJson());
        b.HasOne<Session>().WithMany().HasForeignKey(e => e.SessionId);
        b.HasIndex(e => e.SessionId);
        b.HasIndex(e => e.SchoolId);
    }
}
