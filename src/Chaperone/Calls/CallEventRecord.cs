using System.Text.Json;
using Chaperone.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Calls;

/// <summary>
/// A stored room event: joins and leaves with their times (the attendance, clause 11), consent
/// with who, when and the exact words shown (clause 1), checklists, checks, controls and exit
/// order. Appended and never edited.
/// </summary>
public sealed class CallEventRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The event's place in its room's order, for events stored at the same instant (0 for those recorded outside the room).</summary>
    public long Sequence { get; set; }
    public required string Kind { get; set; }
    /// <summary><c>teacher:{id}</c>, <c>guardian:{id}</c>, <c>staff:{id}</c> or <c>system</c>.</summary>
    public required string Actor { get; set; }
    /// <summary>The event's details as a JSON object of strings.</summary>
    public string Data { get; set; } = "{}";

    public static CallEventRecord From(RoomFacts facts, RoomEvent e, long sequence) => new()
    {
        SchoolId = facts.SchoolId,
        SessionId = facts.SessionId,
        At = e.At,
        Sequence = sequence,
        Kind = e.Kind,
        Actor = e.Actor,
        Data = JsonSerializer.Serialize(e.Data),
    };

    public IReadOnlyDictionary<string, string> Values() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(Data) ?? [];

    /// <summary>The room event this row stores, for replaying a room (<see cref="Room.Replay"/>).</summary>
    public RoomEvent ToRoomEvent() => new(Kind, Actor, At, Values());
}

internal sealed class CallEventConfiguration : IEntityTypeConfiguration<CallEventRecord>
{
    public void Configure(EntityTypeBuilder<CallEventRecord> b)
    {
        b.ToTable("CallEvents");
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.Kind).HasMaxLength(40);
        b.Property(e => e.Actor).HasMaxLength(80);
        b.Property(e => e.Data).HasMaxLength(8000);
        b.HasOne<Session>().WithMany().HasForeignKey(e => e.SessionId);
        b.HasIndex(e => new { e.SessionId, e.At, e.Sequence });
        b.HasIndex(e => e.SchoolId);
    }
}
