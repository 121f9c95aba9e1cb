using System.Security.Cryptography;
using System.Text.Json;
using Chaperone.Infrastructure;
using Chaperone.Recordings;
using Chaperone.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// The README's <c>backup</c> command, run against a live app: a consistent copy of the SQLite
/// database, the keys and the recordings' chunks, from which an app starts with everything
/// readable; a PostgreSQL database is left to pg_dump, and nothing is ever written over.
/// </summary>
public abstract class BackupCommandTests(ChaperoneApp app) : IDisposable
{
    protected ChaperoneApp App => app;

    protected string Folder { get; }  = Path.Combine(Path.GetTempPath(), "chaperone-backup-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    protected async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        await using var output = new StringWriter();
        var code = await BackupCommand.RunAsync(app.Services, args, output);
        return (code, output.ToString());
    }

    /// <summary>A school with a booking (so with sign-ins and their keys), and one recording chunk stored as the app stores them.</summary>
    protected async Task<(TestSchool School, string Chunk, byte[] Content)> SomethingToKeepAsync()
    {
        var school = await TestSchool.CreateAsync(app);
        await TestSchool.BookOkAsync(await school.TeacherAsync(app), school.Booking(Api.NextWeekdayAt(app.Clock.GetUtcNow().AddHours(50), 10)));
        var chunk = $"{school.SchoolId}/{Guid.NewGuid()}-0.chunk";
        var content = RandomNumberGenerator.GetBytes(3000);
        await app.Services.GetRequiredService<IRecordingBlobs>().PutAsync(chunk, content, CancellationToken.None);
        return (school, chunk, content);
    }

    protected string Live(params string[] parts) => Path.Combine([app.DataDirectory, .. parts]);

    [Fact]
    public async Task CopiesTheKeysAndRecordingsAndSaysWhatItLeavesToOtherTools()
    {
        var (_, chunk, content) = await SomethingToKeepAsync();
        var unfinished = Live("recordings", "unfinished-0.chunk.tmp");
        await File.WriteAllBytesAsync(unfinished, [1, 2, 3]);

        var (code, output) = await RunAsync(Folder);

        Assert.Equal(0, code);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(Folder, "recordings", chunk)));
        Assert.False(File.Exists(Path.Combine(Folder, "recordings", "unfinished-0.chunk.tmp"))); // not a chunk yet
        var keys = Directory.GetFiles(Live("keys"));
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            Assert.Equal(await File.ReadAllBytesAsync(key), await File.ReadAllBytesAsync(Path.Combine(Folder, "keys", Path.GetFileName(key))));
        }
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, BackupCommand.ManifestFile))).RootElement;
        Assert.Equal(app.Clock.GetUtcNow(), manifest.GetProperty("takenAt").GetDateTimeOffset());
        Assert.True(manifest.GetProperty("recordings").GetProperty("included").GetBoolean());
        Assert.Equal(app.Db == Db.Sqlite, manifest.GetProperty("database").GetProperty("included").GetBoolean());
        Assert.Equal(app.Db == Db.Sqlite, File.Exists(Path.Combine(Folder, BackupCommand.DatabaseFile)));
        if (app.Db == Db.Postgres)
        {
            Assert.Contains("pg_dump", output);
        }

        // A second backup never writes over the first; nor does a backup into the data directory, or without a folder.
        var before = await File.ReadAllTextAsync(Path.Combine(Folder, BackupCommand.ManifestFile));
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await RunAsync(Folder)).Code);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(Folder, BackupCommand.ManifestFile)));
        Assert.Equal(2, (await RunAsync(Live("backups"))).Code);
        Assert.False(Directory.Exists(Live("backups")));
        Assert.Equal(2, (await RunAsync()).Code);
    }
}

public sealed class BackupCommandOnSqlite(ChaperoneApp app) : BackupCommandTests(app), IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task OnSqliteAnAppStartedOnTheBackupReadsTheRecordsTheRecordingsAndWhatTheKeysProtect()
    {
        var (school, chunk, content) = await SomethingToKeepAsync();
        var secret = App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("backup test").Protect("kept");
        var sessions = await App.WithDbAsync(db => db.Sessions.CountAsync(s => s.SchoolId == school.SchoolId));

        Assert.Equal(0, (await RunAsync(Folder)).Code);

        // The copy is one consistent file (no write-ahead log beside it) that passes SQLite's own check.
        var copy = Path.Combine(Folder, BackupCommand.DatabaseFile);
        Assert.False(File.Exists(copy + "-wal"));
        await using (var connection = new SqliteConnection($"Data Source={copy};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", await command.ExecuteScalarAsync());
        }
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, BackupCommand.ManifestFile))).RootElement.GetProperty("database");
        await using (var file = File.OpenRead(copy))
        {
            Assert.Equal(Convert.ToHexStringLower(await SHA256.HashDataAsync(file)), manifest.GetProperty("sha256").GetString());
        }
        Assert.StartsWith("20", manifest.GetProperty("migration").GetString());

        // Restored: the backup folder as another installation's data directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["DataDirectory"] = Folder, ["Database:Provider"] = "Sqlite" });
        builder.AddChaperone();
        await using var restored = builder.Build();
        await using var scope = restored.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        Assert.Equal(sessions, await db.Sessions.CountAsync(s => s.SchoolId == school.SchoolId));
        Assert.Equal(content, await restored.Services.GetRequiredService<IRecordingBlobs>().GetAsync(chunk, CancellationToken.None));
        Assert.Equal("kept", restored.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("backup test").Unprotect(secret));
    }
}

public sealed class BackupCommandOnPostgres(PostgresChaperoneApp app) : BackupCommandTests(app), IClassFixture<PostgresChaperoneApp>;
