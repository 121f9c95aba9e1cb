using System.Security.Claims;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Recordings;

/// <summary>
/// Clause 2: the teacher's browser uploads the call's recording in chunks as it goes; the session's
/// teacher, senior leaders and the DSL play it back, and every viewing is logged.
/// </summary>
public static class RecordingEndpoints
{
    public static void MapRecordings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Recordings").RequireAuthorization(AuthPolicies.Staff);
        group.MapPost("/sessions/{id}/recording/chunks/{index}", UploadChunk).WithName("UploadRecordingChunk")
            .WithSummary("The session's teacher uploads the next chunk of the live call's recording (raw bytes); it is encrypted at rest. Chunk 0 after others begins a new recording (the page was reopened); 503 means send the same chunk again.")
            .DisableAntiforgery();
        group.MapGet("/sessions/{id}/recordings", List).WithName("ListRecordings").WithSummary("The session's recordings.")
            .Produces<IEnumerable<RecordingDto>>();
        group.MapGet("/recordings/{id}/content", Play).WithName("PlayRecording")
            .WithSummary("Plays a recording back (decrypted); the session's teacher, SLT and the DSL only; every viewing is logged.");
    }

    private static async Task<IResult> UploadChunk(string id, string index, HttpRequest request, ClaimsPrincipal user, ChaperoneDbContext db,
        RecordingStore store, TimeProvider clock, ILogger<RecordingStore> log, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct,
            may: s => s.TeacherId == user.UserId(), forbidden: "Only the session's teacher records its call.");
        if (session is null)
        {
            return refusal!;
        }
        var sessionId = session.Id;
        var schoolId = user.SchoolId();
        if (session.Status is not (SessionStatus.Live or SessionStatus.Ended))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["The session is not running, so there is nothing to record."] });
        }
        if (!int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var chunk) || chunk > 100_000)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["index"] = ["The chunk index must be between 0 and 100000."] });
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length is 0 or > RecordingStore.MaxChunkBytes)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["body"] = [$"Send between 1 byte and {RecordingStore.MaxChunkBytes} bytes."] });
        }
        var now = clock.GetUtcNow();
        var recording = await db.Set<Recording>().OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .FirstOrDefaultAsync(r => r.SessionId == sessionId && r.SchoolId == schoolId && r.Provider == CallProviders.BuiltIn, ct);
        // A first chunk after others is a new recorder: the teacher's page was reloaded or reopened
        // (after a dropped connection, say). Its stream starts with its own header, so it is a
        // recording of its own, kept beside the one before rather than appended to it.
        if (recording is null || (chunk == 0 && recording.Chunks > 0))
        {
            var type = request.ContentType is { Length: > 0 and <= 100 } t && t.StartsWith("video/", StringComparison.Ordinal) ? t : "video/webm";
            recording = store.Begin(schoolId, sessionId, CallProviders.BuiltIn, now, type);
            db.Add(recording);
        }
        if (recording.DeletionPendingAt is not null || recording.IsDeleted)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["This session's recording has been deleted under the school's retention rules."] });
        }
        if (chunk != recording.Chunks)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["index"] = [$"The next chunk expected is {recording.Chunks}."] });
        }
        try
        {
            await store.WriteChunkAsync(recording, chunk, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct);
        }
        catch (RecordingStoreUnavailableException e)
        {
            // Nothing is counted: the call's page sends the same chunk again.
            log.LogWarning(e, "Chunk {Index} of session {Session}'s recording could not be stored.", chunk, sessionId);
            return Problems.Unavailable("The recording store cannot be reached just now. Send the same chunk again.", TimeSpan.FromSeconds(2));
        }
        recording.Chunks++;
        recording.Bytes += buffer.Length;
        recording.LastChunkAt = now;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new { recordingId = Ids.Format(recording.Id), chunks = recording.Chunks });
    }

    /// <summary>
    /// A recording as the API shows it, with its retention state: <c>kept</c>, <c>held</c>, <c>deleting</c> or <c>deleted</c>.
    /// <c>holdReason</c> is given to the DSL only (null for anyone else): a recording may be kept because of an
    /// allegation against someone who can see the session, its own teacher included.
    /// </summary>
    public sealed record RecordingDto(string Id, string Provider, DateTimeOffset StartedAt, DateTimeOffset? LastChunkAt, int Chunks, long Bytes, string ContentType,
        string Retention, string? HoldReason, DateTimeOffset? HeldAt, DateTimeOffset? DeletedAt)
    {
        public static RecordingDto From(Recording r, ClaimsPrincipal reader) => new(Ids.Format(r.Id), r.Provider, r.StartedAt, r.LastChunkAt, r.Chunks, r.Bytes, r.ContentType,
            RetentionState(r), MayReadHoldReason(reader) ? r.HoldReason : null, r.HeldAt, r.DeletedAt);
    }

    /// <summary>Why a recording is on hold is the DSL's to know: only the DSL puts one on hold or lifts it.</summary>
    public static bool MayReadHoldReason(ClaimsPrincipal user) => user.IsInRole(Roles.Dsl);

    public static string RetentionState(Recording r) =>
        r.DeletedAt is not null ? "deleted" : r.DeletionPendingAt is not null ? "deleting" : r.HeldAt is not null ? "held" : "kept";

    private static async Task<IResult> List(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        var sessionId = session.Id;
        var schoolId = user.SchoolId();
        var list = await db.Set<Recording>().AsNoTracking().Where(r => r.SessionId == sessionId && r.SchoolId == schoolId).OrderBy(r => r.StartedAt).ToListAsync(ct);
        return TypedResults.Ok(list.Select(r => RecordingDto.From(r, user)));
    }

    private static async Task<IResult> Play(string id, HttpContext http, ClaimsPrincipal user, ChaperoneDbContext db, RecordingStore store, TimeProvider clock, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(id, out var recordingId) || await db.Set<Recording>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == recordingId && r.SchoolId == schoolId, ct) is not { } recording)
        {
            return Problems.NotFound("There is no such recording.");
        }
        var teacherId = await db.Sessions.Where(s => s.Id == recording.SessionId && s.SchoolId == schoolId).Select(s => s.TeacherId).FirstAsync(ct);
        // A recording is part of the session's record: who may read that may watch it.
        if (!Records.RecordAccess.MayReadSessionRecord(user, teacherId))
        {
            return Problems.NotFound("There is no such recording.");
        }
        if (recording.DeletionPendingAt is not null || recording.IsDeleted)
        {
            return Problems.Gone("This recording has been deleted under the school's retention rules.");
        }
        // The first chunk is read before the viewing is logged: a store that cannot be reached is
        // answered 503, and nothing was viewed.
        await using var plain = store.ReadPlainAsync(recording, ct).GetAsyncEnumerator(ct);
        bool more;
        try
        {
            more = await plain.MoveNextAsync();
        }
        catch (RecordingStoreUnavailableException)
        {
            return Problems.Unavailable("The recording store cannot be reached just now. Try again in a moment.", TimeSpan.FromSeconds(5));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Altered or missing in the store: nothing is played.
            http.Abort();
            return TypedResults.Empty;
        }
        db.Add(new CallEventRecord
        {
            SchoolId = schoolId,
            SessionId = recording.SessionId,
            At = clock.GetUtcNow(),
            Kind = RoomEvents.RecordingViewed,
            Actor = $"staff:{user.UserId()}",
            Data = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["recording"] = Ids.Format(recording.Id), ["name"] = user.DisplayName() }),
        });
        Audit.AuditLog.Record(db, user, Audit.AuditActions.RecordingViewed, Audit.AuditSubjects.Recording, recording.Id, new { recording.SessionId });
        await db.SaveChangesAsync(ct);
        http.Response.ContentType = recording.ContentType.Split(';')[0];
        http.Response.Headers.CacheControl = "no-store";
        try
        {
            while (more)
            {
                await http.Response.Body.WriteAsync(plain.Current, ct);
                more = await plain.MoveNextAsync();
            }
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or RecordingStoreUnavailableException)
        {
            // Altered, missing or out of reach part way: the playback is cut off rather than finished with bad bytes.
            http.Abort();
        }
        return TypedResults.Empty;
    }
}
