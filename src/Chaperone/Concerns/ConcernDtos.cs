using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Concerns;

public sealed record ConcernPersonDto(string Id, string Name);

/// <summary>One line of a chronology. On a pupil's chronology it also names its concern.</summary>
public sealed record ChronologyEntryDto(DateTimeOffset At, string Type, string By, string Text, string? ConcernId = null, string? Reference = null, string? Kind = null);

/// <summary>A concern in a list: what it is, who raised it, where it is in its routing, and whether a handler has closed it.</summary>
public sealed record ConcernSummaryDto(
    string Id, string Reference, string Kind, string Status, string Summary, ConcernPersonDto RaisedBy, DateTimeOffset CreatedAt, DateTimeOffset? RaisedAt,
    string? SessionId, IReadOnlyList<ConcernPersonDto> Pupils, bool Acknowledged, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    DateTimeOffset? EscalateAt, DateTimeOffset? EscalatedAt, bool Closed = false, DateTimeOffset? ClosedAt = null, string? ClosedBy = null);

/// <summary>A concern with everything reported and its chronology.</summary>
/// <param name="AlsoAbout">
/// Only in a pupil's subject access export, whose <see cref="Pupils"/> is that pupil alone: the other
/// children the concern is also about, unnamed ("another child", "2 other children"); null elsewhere, or when there are none.
/// </param>
public sealed record ConcernDto(
    string Id, string Reference, string Kind, string Status, string Summary, string Detail, string? ChildsOwnWords, ConcernPersonDto RaisedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? RaisedAt, string? SessionId, int? RecordingOffsetSeconds, string? RoutedToId,
    IReadOnlyList<ConcernPersonDto> Pupils, bool Acknowledged, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    DateTimeOffset? EscalateAt, DateTimeOffset? EscalatedAt, IReadOnlyList<ChronologyEntryDto> Chronology,
    bool Closed = false, DateTimeOffset? ClosedAt = null, string? ClosedBy = null, string? AlsoAbout = null);

/// <summary>Which page of a list of concerns: <see cref="All"/> when the caller names none.</summary>
public sealed record ConcernPage(int Number, int Size)
{
    public const int MaxSize = 200;
    public static ConcernPage All { get; } = new(1, int.MaxValue);
}

public static class ConcernDtos
{
    public static string KindName(ConcernKind kind) => kind == ConcernKind.Safeguarding ? "safeguarding" : "behaviour";

    public static string StatusName(ConcernStatus status) => status == ConcernStatus.Draft ? "draft" : "raised";

    /// <summary>
    /// Loads a page of the concerns of <paramref name="query"/> (already filtered to what the caller
    /// may read) with their pupils: drafts, then unacknowledged, then acknowledged and open, then
    /// closed, each newest first.
    /// </summary>
    public static async Task<List<ConcernSummaryDto>> ListAsync(ChaperoneDbContext db, IQueryable<Concern> query, ConcernPage page, CancellationToken ct)
    {
        var concerns = await query.AsNoTracking().Include(c => c.Pupils)
            .OrderBy(c => c.Status == ConcernStatus.Draft ? 0 : c.AcknowledgedAt == null ? 1 : c.ClosedAt == null ? 2 : 3)
            .ThenByDescending(c => c.RaisedAt) // a draft has none
            .ThenByDescending(c => c.CreatedAt)
            .ThenByDescending(c => c.Id)
            .Skip((page.Number - 1) * page.Size).Take(page.Size)
            .ToListAsync(ct);
        var names = await PupilNamesAsync(db, concerns, ct);
        return concerns.Select(c => Summary(c, names)).ToList();
    }

    public static ConcernSummaryDto Summary(Concern c, IReadOnlyDictionary<Guid, string> names) => new(
        Ids.Format(c.Id), c.Reference, KindName(c.Kind), StatusName(c.Status), c.Summary, new(Ids.Format(c.RaisedById), c.RaisedByName), c.CreatedAt, c.RaisedAt,
        c.SessionId is { } s ? Ids.Format(s) : null, Pupils(c, names), c.AcknowledgedAt is not null, c.AcknowledgedAt, c.AcknowledgedByName, c.EscalateAt, c.EscalatedAt,
        c.ClosedAt is not null, c.ClosedAt, c.ClosedByName);

    /// <summary>The concern as <paramref name="reader"/> may read it: the whole chronology for those who read it by role, less its handlers' entries for its raiser.</summary>
    public static async Task<ConcernDto> DetailAsync(ChaperoneDbContext db, Concern c, ClaimsPrincipal reader, CancellationToken ct)
    {
        var names = await PupilNamesAsync(db, [c], ct);
        var entries = (await db.Set<ConcernEntry>().AsNoTracking().Where(e => e.ConcernId == c.Id && e.SchoolId == c.SchoolId)
            .OrderBy(e => e.At).ThenBy(e => e.Sequence).ToListAsync(ct))
            .Where(e => ConcernAccess.ShowsEntry(reader, c.Kind, c.RaisedById, e.Type, e.ActorId));
        return new ConcernDto(
            Ids.Format(c.Id), c.Reference, KindName(c.Kind), StatusName(c.Status), c.Summary, c.Detail, c.ChildsOwnWords, new(Ids.Format(c.RaisedById), c.RaisedByName),
            c.CreatedAt, c.RaisedAt, c.SessionId is { } s ? Ids.Format(s) : null, c.RecordingOffsetSeconds, c.RoutedToId is { } r ? Ids.Format(r) : null,
            Pupils(c, names), c.AcknowledgedAt is not null, c.AcknowledgedAt, c.AcknowledgedByName, c.EscalateAt, c.EscalatedAt,
            entries.Select(e => new ChronologyEntryDto(e.At, e.Type, e.ActorName, e.Text)).ToList(),
            c.ClosedAt is not null, c.ClosedAt, c.ClosedByName);
    }

    private static List<ConcernPersonDto> Pupils(Concern c, IReadOnlyDictionary<Guid, string> names) =>
        c.Pupils.Select(p => new ConcernPersonDto(Ids.Format(p.PupilId), names.GetValueOrDefault(p.PupilId, ""))).OrderBy(p => p.Name).ToList();

    private static async Task<Dictionary<Guid, string>> PupilNamesAsync(ChaperoneDbContext db, IReadOnlyList<Concern> concerns, CancellationToken ct)
    {
        var ids = concerns.SelectMany(c => c.Pupils.Select(p => p.PupilId)).Distinct().ToList();
        var schoolIds = concerns.Select(c => c.SchoolId).Distinct().ToList();
        return await db.Pupils.AsNoTracking().Where(p => ids.Contains(p.Id) && schoolIds.Contains(p.SchoolId)).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
    }

    /// <summary>"12:34" or "1:02:03": a moment in a recording.</summary>
    public static string Moment(int seconds) =>
        seconds >= 3600 ? $"{seconds / 3600}:{seconds / 60 % 60:D2}:{seconds % 60:D2}" : $"{seconds / 60}:{seconds % 60:D2}";
}
