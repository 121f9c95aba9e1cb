using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Retention;

/// <summary>
/// A school's retention settings: the date face-to-face teaching resumed (clause 2: recordings
/// made before it are deleted on it) and how long each kind of record is kept. The defaults follow
/// the IRMS Records Management Toolkit for Schools: child protection (concern) files until the
/// pupil's date of birth + 25 years; attendance and intervention records 6 years.
/// </summary>
public sealed class RetentionSettings
{
    public const int DefaultConcernsYearsAfterBirth = 25;
    public const int DefaultInterventionRecordsYears = 6;

    public Guid SchoolId { get; set; }
    /// <summary>The school-local date face-to-face teaching resumed; recordings made before its start are deleted at its start.</summary>
    public DateOnly? FaceToFaceResumedOn { get; set; }
    /// <summary>Concerns are kept until the pupil's date of birth plus this many years.</summary>
    public int ConcernsYearsAfterBirth { get; set; } = DefaultConcernsYearsAfterBirth;
    /// <summary>Sessions' attendance, call events, consent, notes and evidence are kept this many years after the session.</summary>
    public int InterventionRecordsYears { get; set; } = DefaultInterventionRecordsYears;
}

/// <summary>One entry of the deletion register: what was deleted, when, why, and the stored content's hash.</summary>
public sealed class DeletionRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary><see cref="DeletionKinds"/>.</summary>
    public required string Kind { get; set; }
    /// <summary>The deleted thing's id (a recording's, a session's for its records, or a concern's).</summary>
    public Guid SubjectId { get; set; }
    public Guid? SessionId { get; set; }
    public required string What { get; set; }
    public required string Why { get; set; }
    /// <summary>SHA-256 (hex) of the stored content, as kept when it was written (<see cref="Recordings.Recording.ContentHash"/>).</summary>
    public string? ContentHash { get; set; }
}

/// <summary>The kinds of deletion the register holds; a thing of a kind is registered once.</summary>
public static class DeletionKinds
{
    /// <summary>A recording's files and key in Chaperone's store.</summary>
    public const string Recording = "recording";
    /// <summary>The call provider's own copy of a recording (Teams: the OneDrive file).</summary>
    public const string ProviderCopy = "provider-copy";
    /// <summary>A session's intervention records (attendance, call events, consent, notes, evidence, emails) past their period.</summary>
    public const string SessionRecords = "session-records";
    /// <summary>A concern with its chronology and pupil links, past the youngest linked pupil's date of birth + the period.</summary>
    public const string Concern = "concern";
}

internal sealed class RetentionSettingsConfiguration : IEntityTypeConfiguration<RetentionSettings>
{
    public void Configure(EntityTypeBuilder<RetentionSettings> b)
    {
        b.HasKey(s => s.SchoolId);
        b.HasOne<School>().WithOne().HasForeignKey<RetentionSettings>(s => s.SchoolId);
    }
}

internal sealed class DeletionRecordConfiguration : IEntityTypeConfiguration<DeletionRecord>
{
    public void Configure(EntityTypeBuilder<DeletionRecord> b)
    {
        b.Property(d => d.Id).ValueGeneratedNever();
        b.Property(d => d.Kind).HasMaxLength(40);
        b.Property(d => d.What).HasMaxLength(400);
        b.Property(d => d.Why).HasMaxLength(400);
        b.Property(d => d.ContentHash).HasMaxLength(64);
        // Exactly once: a resumed deletion cannot register the same thing twice.
        b.HasIndex(d => new { d.Kind, d.SubjectId }).IsUnique();
        b.HasIndex(d => new { d.SchoolId, d.At });
    }
}
