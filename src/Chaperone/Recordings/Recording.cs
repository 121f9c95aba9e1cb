using Chaperone.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Recordings;

/// <summary>
/// A session's recording (clause 2), whichever provider made it: a row here and its encrypted
/// content in <see cref="RecordingStore"/>. The built-in room's recording arrives in chunks
/// uploaded by the teacher's browser as the call goes (a crash loses at most the chunk in
/// flight); a provider's (Teams) is copied in whole afterwards. Each recording has its own data
/// key, kept here wrapped by the installation's master key; deleting a recording deletes its
/// files and its key (<see cref="WrappedKey"/> is cleared), so no copy of the files that survived
/// anywhere can be read again.
/// </summary>
public sealed class Recording
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    /// <summary>The call provider that made it (<see cref="CallProviders"/>).</summary>
    public string Provider { get; set; } = CallProviders.BuiltIn;
    /// <summary>The provider's own id of the recording (Teams' recording id); none for the built-in room.</summary>
    public string? ProviderRecordingId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? LastChunkAt { get; set; }
    public int Chunks { get; set; }
    public long Bytes { get; set; }
    /// <summary>The media type recorded, e.g. <c>video/webm</c>.</summary>
    public required string ContentType { get; set; }

    /// <summary>The recording's data key, wrapped (AES-256-GCM) by the master key; null once deleted (crypto-shredded).</summary>
    public byte[]? WrappedKey { get; set; }
    /// <summary>
    /// SHA-256 (hex) chained over the stored, encrypted chunks in order:
    /// <c>h = SHA-256(h_prev ‖ SHA-256(chunk))</c> from an empty <c>h_prev</c>; kept as each chunk is
    /// written, so the deletion register can name what was deleted without reading it.
    /// </summary>
    public string? ContentHash { get; set; }

    /// <summary>Whether the provider still holds its own copy (Teams: the file in the organizer's OneDrive).</summary>
    public bool ProviderHoldsCopy { get; set; }
    public DateTimeOffset? ProviderCopyDeletedAt { get; set; }
    public int ProviderCopyAttempts { get; set; }
    /// <summary>Why deleting the provider's copy last failed (shown on the deletion register until it succeeds).</summary>
    public string? ProviderCopyError { get; set; }
    public DateTimeOffset? ProviderCopyNextAttemptAt { get; set; }

    /// <summary>Kept past retention by the DSL (clause 2: to protect a child), with the reason.</summary>
    public DateTimeOffset? HeldAt { get; set; }
    public Guid? HeldById { get; set; }
    public string? HoldReason { get; set; }

    /// <summary>Deletion decided and recorded durably before any of its steps (so a crash midway resumes).</summary>
    public DateTimeOffset? DeletionPendingAt { get; set; }
    public string? DeletionReason { get; set; }
    /// <summary>Files and key deleted, and the deletion registered.</summary>
    public DateTimeOffset? DeletedAt { get; set; }

    public bool IsDeleted => DeletedAt is not null;
}

internal sealed class RecordingConfiguration : IEntityTypeConfiguration<Recording>
{
    public void Configure(EntityTypeBuilder<Recording> b)
    {
        b.Property(r => r.Id).ValueGeneratedNever();
        b.Property(r => r.ContentType).HasMaxLength(100);
        b.Property(r => r.Provider).HasMaxLength(20);
        b.Property(r => r.ProviderRecordingId).HasMaxLength(400);
        b.Property(r => r.WrappedKey).HasMaxLength(RecordingKeys.WrappedSize);
        b.Property(r => r.ContentHash).HasMaxLength(64);
        b.Property(r => r.ProviderCopyError).HasMaxLength(1000);
        b.Property(r => r.HoldReason).HasMaxLength(1000);
        b.Property(r => r.DeletionReason).HasMaxLength(400);
        b.Property(r => r.Chunks).IsConcurrencyToken(); // two uploads of the same chunk cannot both count
        b.Ignore(r => r.IsDeleted);
        b.HasOne<Session>().WithMany().HasForeignKey(r => r.SessionId);
        b.HasIndex(r => r.SessionId);
        b.HasIndex(r => new { r.SessionId, r.ProviderRecordingId }).IsUnique();
        b.HasIndex(r => new { r.SchoolId, r.StartedAt });
        b.HasIndex(r => new { r.DeletionPendingAt, r.Id }); // pending deletions, in batches, in order, without a sort
    }
}
