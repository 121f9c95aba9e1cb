using Chaperone.People;
using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Notifications;

/// <summary>
/// A teacher's private calendar feed: an <c>.ics</c> address with a secret token, for their
/// calendar app to subscribe to. Only the token's SHA-256 is stored; revoking it ends the address.
/// </summary>
public sealed class CalendarFeed
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid StaffId { get; set; }
    public required string TokenHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class CalendarFeedConfiguration : IEntityTypeConfiguration<CalendarFeed>
{
    public void Configure(EntityTypeBuilder<CalendarFeed> b)
    {
        b.ToTable("CalendarFeeds");
        b.Property(f => f.Id).ValueGeneratedNever();
        b.Property(f => f.TokenHash).HasMaxLength(64);
        b.HasIndex(f => f.TokenHash).IsUnique();
        b.HasIndex(f => f.StaffId);
        b.HasIndex(f => f.SchoolId);
        b.HasOne<School>().WithMany().HasForeignKey(f => f.SchoolId);
        b.HasOne<StaffMember>().WithMany().HasForeignKey(f => f.StaffId);
    }
}
