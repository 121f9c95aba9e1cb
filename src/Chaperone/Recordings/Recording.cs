using Chaperone.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Recordings;

/// <summary>
/// A session's recording (clause 2): chunks uploaded by the teacher's browser as the call goes,
/// each encrypted at rest on its own, so a crash loses at most the chunk in flight.
/// </summary>
public sealed class Recording
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? LastChunkAt { get; set; }
    public int Chunks { get; set; }
    public long Bytes { get; set; }
    /// <summary>The media type the browser recorded, e.g. <c>video/webm</c>.</summary>
    public required string ContentType { get; set; }
}

internal sealed class RecordingConfiguration : IEntityTypeConfiguration<Recording>
{
    public void Configure(EntityTypeBuilder<Recording> b)
    {
        b.Property(r => r.Id).ValueGeneratedNever();
        b.Property(r => r.ContentType).HasMaxLength(100);
        b.Property(r => r.Chunks).IsConcurrencyToken(); // two uploads of the same chunk cannot both count
        b.HasOne<Session>().WithMany().HasForeignKey(r => r.SessionId);
        b.HasIndex(r => r.SessionId);
        b.HasIndex(r => r.SchoolId);
    }
}
