using System.Security.Cryptography;
using System.Text.Json;
using Chaperone.Recordings;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Storage;

/// <summary>
/// <c>backup {folder}</c>: what a restore needs, copied into an empty folder while the app may go
/// on running. The SQLite database through SQLite's online backup (a consistent copy, checked
/// with <c>integrity_check</c>; copying the file while the app writes it is not safe); the keys
/// under <c>DataDirectory/keys</c> (without them the data protection keys' users, Teams secrets,
/// and the recordings' master key, nothing encrypted can be read); the recordings' encrypted
/// chunks when they are files under <c>DataDirectory</c>; and <c>backup.json</c>, what was taken
/// and when. A PostgreSQL database is backed up with <c>pg_dump</c>, recordings in Azure Blob
/// Storage by the storage account: the command says so. Exit code 0 when the backup was made, 2
/// when the arguments are wrong or the folder is not empty (nothing is written over).
/// </summary>
public static class BackupCommand
{
    public const string DatabaseFile = "chaperone.db";
    public const string ManifestFile = "backup.json";

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, CancellationToken ct = default)
    {
        if (args is not [{ Length: > 0 } folder])
        {
            await output.WriteLineAsync("Usage: backup <folder>   (an empty or new folder, outside the data directory)");
            return 2;
        }
        var data = services.GetRequiredService<DataDirectory>();
        var target = Path.GetFullPath(folder);
        if (IsWithin(target, data.Path) || IsWithin(data.Path, target))
        {
            await output.WriteLineAsync($"The backup folder {target} must lie outside the data directory {data.Path}.");
            return 2;
        }
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            await output.WriteLineAsync($"{target} is not empty: a backup never writes over another. Name a new or empty folder.");
            return 2;
        }
        Directory.CreateDirectory(target);
        var takenAt = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var configuration = services.GetRequiredService<IConfiguration>();

        // The database first: files written after it (a new chunk) are harmless extras in the copy.
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        object database;
        if (db.Database.IsSqlite())
        {
            var copy = Path.Combine(target, DatabaseFile);
            database = await CopySqliteAsync(db.Database.GetConnectionString()!, copy, ct);
            await output.WriteLineAsync($"Database: {copy} (SQLite online backup, integrity checked)");
        }
        else
        {
            database = new { provider = "Postgres", included = false };
            await output.WriteLineAsync("Database: PostgreSQL is not in this folder: back it up with pg_dump (e.g. pg_dump -Fc -f chaperone.dump), or the server's own backups.");
        }

        var keys = CopyFolder(data.Combine("keys"), Path.Combine(target, "keys"), _ => true);
        await output.WriteLineAsync($"Keys: {keys.Files} files");
        if (!string.IsNullOrEmpty(configuration["Recordings:Key"]))
        {
            await output.WriteLineAsync("Recordings:Key is set in the configuration, not in a file: keep it with this backup, which cannot read the recordings without it.");
        }
        if (!string.IsNullOrEmpty(configuration["DataProtection:CertificatePath"]))
        {
            await output.WriteLineAsync("The data protection keys are encrypted with the certificate of DataProtection:CertificatePath: keep it (and its password) with this backup.");
        }

        object recordings;
        if (services.GetRequiredService<IRecordingBlobs>() is FileRecordingBlobs)
        {
            // A chunk still being written is a .tmp file: it is not a chunk yet, and is sent again if it never becomes one.
            var copied = CopyFolder(data.Combine("recordings"), Path.Combine(target, "recordings"), f => !f.EndsWith(".tmp", StringComparison.Ordinal));
            recordings = new { store = RecordingStorage.FileSystem, included = true, copied.Files, copied.Bytes };
            await output.WriteLineAsync($"Recordings: {copied.Files} encrypted chunks ({copied.Bytes:N0} bytes)");
        }
        else
        {
            recordings = new { store = RecordingStorage.AzureBlob, included = false };
            await output.WriteLineAsync("Recordings: in Azure Blob Storage, not in this folder: protect them with the storage account (soft delete, versioning or a backup vault).");
        }

        var manifest = new { takenAt, dataDirectory = data.Path, database, keys = new { keys.Files }, recordings };
        await File.WriteAllTextAsync(Path.Combine(target, ManifestFile), JsonSerializer.Serialize(manifest, ManifestJson), ct);
        await output.WriteLineAsync($"Backup made in {target} at {takenAt:yyyy-MM-dd HH:mm:ss} UTC.");
        return 0;
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>A consistent copy of the live SQLite database (readers and writers carry on), checked whole; what it holds, for the manifest.</summary>
    private static async Task<object> CopySqliteAsync(string connectionString, string copy, CancellationToken ct)
    {
        var source = new SqliteConnectionStringBuilder(connectionString) { Pooling = false };
        var destination = new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false };
        await using (var from = new SqliteConnection(source.ToString()))
        await using (var to = new SqliteConnection(destination.ToString()))
        {
            await from.OpenAsync(ct);
            await to.OpenAsync(ct);
            from.BackupDatabase(to);
            // One file, without a write-ahead log beside it.
            await Scalar(to, "PRAGMA journal_mode = DELETE", ct);
        }
        await using var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await check.OpenAsync(ct);
        var integrity = (string?)await Scalar(check, "PRAGMA integrity_check", ct);
        if (integrity != "ok")
        {
            throw new InvalidOperationException($"The copy of the database failed its integrity check: {integrity}");
        }
        var migration = (string?)await Scalar(check, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1", ct);
        await check.CloseAsync();
        await using var file = File.OpenRead(copy);
        return new { provider = "Sqlite", included = true, file = DatabaseFile, migration, sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct)) };
    }

    private static async Task<object?> Scalar(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Copies the files of <paramref name="from"/> (all its folders) that <paramref name="include"/> takes; a file gone meanwhile is skipped.</summary>
    private static (int Files, long Bytes) CopyFolder(string from, string to, Func<string, bool> include)
    {
        if (!Directory.Exists(from))
        {
            return (0, 0);
        }
        var files = 0;
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(include))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            try
            {
                File.Copy(file, destination);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // deleted meanwhile (retention): it is no longer to be kept
            }
            files++;
            bytes += new FileInfo(destination).Length;
        }
        return (files, bytes);
    }

    private static bool IsWithin(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }
}
