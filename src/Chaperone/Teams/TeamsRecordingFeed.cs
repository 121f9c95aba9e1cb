using System.Globalization;
using Chaperone.Recordings;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using RecordingsDelta = Microsoft.Graph.Users.Item.OnlineMeetings.Item.Recordings.Delta.DeltaGetResponse;

namespace Chaperone.Teams;

/// <summary>
/// Where the reading of an organizer's Teams recordings got to: the <c>@odata.deltaLink</c> of
/// Graph's recordings delta for that organizer, so that each poll returns only recordings added
/// since the last one.
/// </summary>
public sealed class TeamsRecordingCursor
{
    public Guid SchoolId { get; set; }
    /// <summary>The organizer's Microsoft 365 account (as on <see cref="TeamsMeeting.OrganizerUserId"/>).</summary>
    public required string OrganizerUserId { get; set; }
    /// <summary>Where the next poll starts: the last round's delta link (or, after a poll that stopped at <see cref="TeamsRecordingFeed.MaxPages"/>, the next link it stopped at); null before the first round and after Graph expired it.</summary>
    public string? DeltaLink { get; set; }
    /// <summary>The start date the current round of change tracking was begun from.</summary>
    public DateTimeOffset Since { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class TeamsRecordingCursorConfiguration : IEntityTypeConfiguration<TeamsRecordingCursor>
{
    public void Configure(EntityTypeBuilder<TeamsRecordingCursor> b)
    {
        b.HasKey(c => new { c.SchoolId, c.OrganizerUserId });
        b.Property(c => c.OrganizerUserId).HasMaxLength(320);
        b.Property(c => c.DeltaLink).HasMaxLength(8000);
        b.HasOne<School>().WithMany().HasForeignKey(c => c.SchoolId);
    }
}

/// <summary>
/// Reads an organizer's new Teams recordings through Graph's delta on
/// <c>getAllRecordings(meetingOrganizerUserId=…,startDateTime=…)</c>: follows
/// <c>@odata.nextLink</c> pages, keeps the <c>@odata.deltaLink</c> per organizer, starts over from
/// the earliest waiting session when Graph answers 410 (the delta token expired), and copies each
/// recording of one of the school's meetings (matched by meeting id) into the encrypted store
/// once. Graph failures escape as Graph's exceptions, for <see cref="TeamsMeetings"/> to turn into
/// an outcome.
/// </summary>
public sealed class TeamsRecordingFeed(ChaperoneDbContext db, RecordingStore store, TimeProvider clock, ILogger<TeamsRecordingFeed> log)
{
    /// <summary>How far before the earliest waiting session a new round of change tracking starts.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromHours(1);

    /// <summary>The most pages one poll follows; the next poll carries on from where it stopped.</summary>
    public const int MaxPages = 200;

    /// <summary>One poll for the organizer; returns how many recordings were copied in.</summary>
    public async Task<int> PollAsync(GraphServiceClient graph, Guid schoolId, string organizer, CancellationToken ct)
    {
        var cursor = await db.Set<TeamsRecordingCursor>().FirstOrDefaultAsync(c => c.SchoolId == schoolId && c.OrganizerUserId == organizer, ct);
        if (cursor is null)
        {
            cursor = new TeamsRecordingCursor { SchoolId = schoolId, OrganizerUserId = organizer, Since = await StartAsync(schoolId, organizer, ct) };
            db.Set<TeamsRecordingCursor>().Add(cursor);
        }
        var url = cursor.DeltaLink ?? FirstRound(graph, organizer, cursor.Since);
        var restarted = false;
        var copied = 0;
        for (var pages = 0; pages < MaxPages; pages++)
        {
            RecordingsDelta? page;
            try
            {
                page = await GetPageAsync(graph, url, ct);
            }
            catch (ODataError e) when (e.ResponseStatusCode == 410 && !restarted)
            {
                // The delta token expired (Graph keeps sync state for a limited time): a full round again, from the earliest waiting session.
                log.LogInformation("Teams recordings delta for {Organizer} expired ({Code}); starting over.", organizer, e.Error?.Code);
                restarted = true;
                cursor.DeltaLink = null;
                cursor.Since = await StartAsync(schoolId, organizer, ct);
                url = FirstRound(graph, organizer, cursor.Since);
                continue;
            }
            foreach (var recording in page?.Value ?? [])
            {
                copied += await CopyAsync(graph, schoolId, organizer, recording, ct) ? 1 : 0;
            }
            if (page?.OdataNextLink is { } next)
            {
                url = next;
                continue;
            }
            // Without a delta link (Graph sent neither), the next poll starts this round again; copies are not repeated.
            cursor.DeltaLink = page?.OdataDeltaLink;
            cursor.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            return copied;
        }
        // A long round: the next poll carries on from the next link.
        cursor.DeltaLink = url;
        cursor.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return copied;
    }

    /// <summary>The first request of a round, as Graph documents it (the start date in UTC, ISO 8601, unquoted).</summary>
    public static string FirstRound(GraphServiceClient graph, string organizer, DateTimeOffset since)
    {
        var user = Uri.EscapeDataString(organizer);
        var start = since.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
        return $"{graph.RequestAdapter.BaseUrl?.TrimEnd('/')}/users/{user}/onlineMeetings/getAllRecordings(meetingOrganizerUserId='{organizer.Replace("'", "''", StringComparison.Ordinal)}',startDateTime={start})/delta";
    }

    /// <summary>
    /// One page, through the SDK's request adapter (its auth, resilience handler and error mapping):
    /// the SDK has no request builder for the delta on <c>getAllRecordings</c>, so the URL (the first
    /// round's, or a next or delta link) is requested as it is and read as a callRecording delta page.
    /// </summary>
    private static Task<RecordingsDelta?> GetPageAsync(GraphServiceClient graph, string url, CancellationToken ct)
    {
        var request = new RequestInformation { HttpMethod = Method.GET, URI = new Uri(url) };
        request.Headers.TryAdd("Accept", "application/json");
        var errors = new Dictionary<string, ParsableFactory<IParsable>> { ["XXX"] = ODataError.CreateFromDiscriminatorValue };
        return graph.RequestAdapter.SendAsync(request, RecordingsDelta.CreateFromDiscriminatorValue, errors, ct);
    }

    /// <summary>Copies a recording of one of the school's meetings in, unless it already is; recordings of other meetings are passed over.</summary>
    private async Task<bool> CopyAsync(GraphServiceClient graph, Guid schoolId, string organizer, Microsoft.Graph.Models.CallRecording recording, CancellationToken ct)
    {
        if (recording.Id is null || recording.MeetingId is null)
        {
            return false;
        }
        var meeting = await db.Set<TeamsMeeting>().FirstOrDefaultAsync(m => m.SchoolId == schoolId && m.OrganizerUserId == organizer && m.OnlineMeetingId == recording.MeetingId, ct);
        if (meeting is null
            || await db.Set<Recording>().AnyAsync(r => r.SchoolId == schoolId && r.SessionId == meeting.SessionId && r.ProviderRecordingId == recording.Id, ct))
        {
            return false;
        }
        await using var content = await graph.Users[organizer].OnlineMeetings[recording.MeetingId].Recordings[recording.Id].Content.GetAsync(cancellationToken: ct)
            ?? throw new TeamsProblem("Teams listed a recording but gave no content.");
        var now = clock.GetUtcNow();
        var copy = store.Begin(schoolId, meeting.SessionId, CallProviders.Teams, recording.CreatedDateTime ?? now, "video/mp4");
        copy.ProviderRecordingId = recording.Id;
        copy.ProviderHoldsCopy = true; // Teams keeps its own file in the organizer's OneDrive until retention deletes it
        copy.LastChunkAt = recording.EndDateTime;
        await store.StoreWholeAsync(copy, content, ct);
        db.Set<Recording>().Add(copy);
        meeting.RecordingsReadAt ??= now;
        await db.SaveChangesAsync(ct); // each copy kept at once: a later failure must not copy it again
        return true;
    }

    /// <summary>The start of a round: just before the earliest of the organizer's sessions still waiting for recordings (else just before now).</summary>
    private async Task<DateTimeOffset> StartAsync(Guid schoolId, string organizer, CancellationToken ct)
    {
        var starts = await db.Set<TeamsMeeting>()
            .Where(m => m.SchoolId == schoolId && m.OrganizerUserId == organizer && m.RecordingsReadAt == null && m.State != TeamsMeetingState.Cancelled)
            .Join(db.Sessions, m => m.SessionId, s => s.Id, (m, s) => s.Start)
            .ToListAsync(ct);
        var earliest = starts.Count > 0 ? starts.Min() : clock.GetUtcNow();
        return earliest - Margin;
    }
}
