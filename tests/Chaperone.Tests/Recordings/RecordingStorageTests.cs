using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Chaperone.Tests.Recordings;

/// <summary>
/// Recordings' uploads and their store. The object storage (<c>Recordings:Store=AzureBlob</c>)
/// against a real Azure Blob Storage server (Azurite, which test.sh starts): what the teacher's
/// browser uploads is kept there encrypted and plays back; a store that cannot be reached loses
/// nothing and says so; a wrong setting stops the app. A reopened page's recorder begins a recording of its own.
/// </summary>
public sealed class RecordingStorageTests
{
    private static async Task<(Guid SessionId, HttpClient Teacher, TestSchool School)> EndedCallAsync(ChaperoneApp app)
    {
        var school = await TestSchool.CreateAsync(app);
        var (sessionId, _) = await CallClient.BookAndRunCallAsync(app, school, "completed", "Reading practice.");
        // Signed in after the call: a token from before it has expired on the moved clock.
        return (sessionId, await school.TeacherAsync(app), school);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient teacher, Guid sessionId, int index, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("video/webm");
        return teacher.PostAsync($"/api/v1/sessions/{sessionId}/recording/chunks/{index}", content);
    }

    private static byte[] Chunk(int index) => Encoding.ASCII.GetBytes($"webm-chunk-{index}-" + new string((char)('a' + index), 5000));

    [Fact]
    public async Task ChunksUploadedByTheTeacherAreKeptEncryptedInTheContainerAndPlayBackWhole()
    {
        var app = new ChaperoneApp();
        var containerName = app.UseAzureBlobRecordings();
        await using var started = await app.StartOwnedAsync();
        var (sessionId, teacher, school) = await EndedCallAsync(app);

        for (var i = 0; i < 3; i++)
        {
            var uploaded = await UploadAsync(teacher, sessionId, i, Chunk(i));
            Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        }

        var list = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{sessionId}/recordings");
        var recording = Assert.Single(list.EnumerateArray());
        var recordingId = Guid.Parse(recording.GetProperty("id").GetString()!);
        Assert.Equal(3, recording.GetProperty("chunks").GetInt32());

        // In the container, under the school's prefix, one blob per chunk, none of them readable as what was sent.
        var container = new BlobServiceClient(ChaperoneApp.AzureBlobConnectionString).GetBlobContainerClient(containerName);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
        }
        Assert.Equal(Enumerable.Range(0, 3).Select(i => $"{school.SchoolId:N}/{recordingId:N}-{i:D6}.chunk"), blobs.Order(StringComparer.Ordinal));
        foreach (var name in blobs)
        {
            var stored = (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(-1, stored.AsSpan().IndexOf("webm-chunk"u8));
        }

        var played = await teacher.GetByteArrayAsync($"/api/v1/recordings/{recordingId}/content");
        Assert.Equal(Chunk(0).Concat(Chunk(1)).Concat(Chunk(2)).ToArray(), played);

        // A chunk taken out of the container cuts the playback off rather than playing what is left.
        await container.GetBlobClient(blobs[1]).DeleteAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => teacher.GetByteArrayAsync($"/api/v1/recordings/{recordingId}/content"));
    }

    [Fact]
    public async Task AFirstChunkAfterOthersBeginsARecordingOfItsOwnAndAChunkOutOfOrderIsRefused()
    {
        var app = new ChaperoneApp();
        await using var started = await app.StartOwnedAsync();
        var (sessionId, teacher, _) = await EndedCallAsync(app);

        foreach (var index in new[] { 0, 1, 0, 1, 2 })
        {
            var uploaded = await UploadAsync(teacher, sessionId, index, Chunk(index));
            Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        }
        var skipped = await UploadAsync(teacher, sessionId, 5, Chunk(5));

        Assert.Equal(HttpStatusCode.BadRequest, skipped.StatusCode);
        var problem = await skipped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("The next chunk expected is 3.", problem.GetProperty("errors").GetProperty("index")[0].GetString(), StringComparison.Ordinal);
        var list = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{sessionId}/recordings");
        Assert.Equal([2, 3], list.EnumerateArray().Select(r => r.GetProperty("chunks").GetInt32()));
        var second = list[1].GetProperty("id").GetString();
        Assert.Equal(Chunk(0).Concat(Chunk(1)).Concat(Chunk(2)).ToArray(), await teacher.GetByteArrayAsync($"/api/v1/recordings/{second}/content"));
    }

    [Fact]
    public async Task AStoreThatCannotBeReachedAnswers503WithRetryAfterCountsNothingAndLeavesTheInstanceDegraded()
    {
        var app = new ChaperoneApp();
        app.Settings["Recordings:Store"] = "AzureBlob";
        app.Settings["Recordings:AzureBlob:ConnectionString"] =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{Loopback.UnusedPort()}/devstoreaccount1;";
        await using var started = await app.StartOwnedAsync();
        var (sessionId, teacher, _) = await EndedCallAsync(app);

        var refused = await UploadAsync(teacher, sessionId, 0, Chunk(0));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Send the same chunk again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Nothing was counted, so the same chunk 0 is what the server still expects.
        var list = await teacher.GetFromJsonAsync<JsonElement>($"/api/v1/sessions/{sessionId}/recordings");
        Assert.Equal(0, list.GetArrayLength());
        Assert.Equal("Degraded", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));

        // A recording held while the store is away: playing it is answered 503, and no viewing is logged.
        var recordingId = await app.WithDbAsync(async db =>
        {
            var store = app.Services.GetRequiredService<Chaperone.Recordings.RecordingStore>();
            var schoolId = await db.Sessions.Where(s => s.Id == sessionId).Select(s => s.SchoolId).SingleAsync();
            var recording = store.Begin(schoolId, sessionId, "builtin", app.Clock.GetUtcNow(), "video/webm");
            recording.Chunks = 1;
            db.Add(recording);
            await db.SaveChangesAsync();
            return recording.Id;
        });
        var play = await teacher.GetAsync($"/api/v1/recordings/{recordingId}/content");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, play.StatusCode);
        Assert.NotNull(play.Headers.RetryAfter);
        var subject = recordingId.ToString();
        Assert.Equal(0, await app.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.SubjectId == subject && e.Action == Chaperone.Audit.AuditActions.RecordingViewed)));
    }

    [Fact]
    public async Task TheContainerReachableLeavesTheInstanceHealthy()
    {
        var app = new ChaperoneApp();
        app.UseAzureBlobRecordings();
        await using var started = await app.StartOwnedAsync();
        Assert.Equal("Healthy", await HealthTests.HealthAsync(Api.AnonymousClient(app), Health.ReadyPath, HttpStatusCode.OK));
    }

    [Theory]
    [InlineData("Tape", null, "Recordings:Store")]
    [InlineData("AzureBlob", null, "Recordings:AzureBlob:ConnectionString is not set")]
    [InlineData("AzureBlob", "not a connection string", "Recordings:AzureBlob:ConnectionString is not a storage connection string")]
    public async Task AWrongStoreSettingStopsTheAppSayingWhatToFix(string store, string? connection, string expected)
    {
        var app = new ChaperoneApp();
        app.Settings["Recordings:Store"] = store;
        if (connection is not null)
        {
            app.Settings["Recordings:AzureBlob:ConnectionString"] = connection;
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(app.StartOwnedAsync);

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}
