using Chaperone.Policy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Families;

/// <summary>One thing a parent or carer confirms about the room (clause 9) or dress (clause 10) before the call.</summary>
public sealed record ChecklistItem(string Key, int Clause, string Text);

/// <summary>
/// What the family is asked to confirm in advance: the room of clause 9 (communal, safe, not a
/// bedroom, downstairs, against a blank wall, television and other devices off) and the dress
/// of clause 10. The teacher confirms both again at the start of the call.
/// </summary>
public static class FamilyChecklist
{
    public static IReadOnlyList<ChecklistItem> Items { get; } =
    [
        new("communal", Clauses.Environment, "We will use a shared family room, not a private one."),
        new("safe", Clauses.Environment, "The room is safe, quiet and free from distractions."),
        new("not-bedroom", Clauses.Environment, "It is not a bedroom."),
        new("downstairs", Clauses.Environment, "It is downstairs, if our home has a downstairs."),
        new("blank-wall", Clauses.Environment, "My child will sit in front of a blank wall, where possible."),
        new("devices-off", Clauses.Environment, "The television and other devices will be switched off during the call."),
        new("dress", Clauses.Dress, "My child will be dressed appropriately, as for a school day."),
    ];

    public static bool IsKnown(string key) => Items.Any(i => i.Key == key);

    /// <summary>One guardian's latest answers for a session, if they have saved any.</summary>
    public static Task<FamilyChecklistAnswer?> LatestOfAsync(Storage.ChaperoneDbContext db, Guid schoolId, Guid sessionId, Guid guardianId, CancellationToken ct) =>
        db.FamilyChecklistAnswers.AsNoTracking()
            .Where(a => a.SchoolId == schoolId && a.SessionId == sessionId && a.GuardianId == guardianId)
            .OrderByDescending(a => a.AnsweredAt).ThenByDescending(a => a.Id)
            .FirstOrDefaultAsync(ct);

    /// <summary>The latest answers of each guardian of a session (answers are appended, never edited; the newest counts).</summary>
    public static async Task<Dictionary<Guid, FamilyChecklistAnswer>> LatestAsync(Storage.ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var answers = await db.FamilyChecklistAnswers.AsNoTracking()
            .Where(a => a.SchoolId == schoolId && a.SessionId == sessionId)
            .ToListAsync(ct);
        return answers.GroupBy(a => a.GuardianId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(a => a.AnsweredAt).ThenByDescending(a => a.Id).First());
    }
}

/// <summary>
/// A guardian's answers to the checklist for one session, as saved at <see cref="AnsweredAt"/>:
/// evidence for clauses 9 and 10. Each save is a new row, so the record shows what was
/// confirmed and when.
/// </summary>
public sealed class FamilyChecklistAnswer
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public Guid GuardianId { get; set; }
    public DateTimeOffset AnsweredAt { get; set; }
    /// <summary>The keys of the <see cref="FamilyChecklist.Items"/> ticked; the others were left unticked.</summary>
    public List<string> Ticked { get; set; } = [];
}

internal sealed class FamilyChecklistAnswerConfiguration : IEntityTypeConfiguration<FamilyChecklistAnswer>
{
    public void Configure(EntityTypeBuilder<FamilyChecklistAnswer> b)
    {
        b.Property(a => a.Id).ValueGeneratedNever();
        b.HasOne<Scheduling.Session>().WithMany().HasForeignKey(a => a.SessionId);
        b.HasOne<People.Guardian>().WithMany().HasForeignKey(a => a.GuardianId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(a => new { a.SessionId, a.GuardianId, a.AnsweredAt });
        b.HasIndex(a => a.SchoolId);
    }
}
