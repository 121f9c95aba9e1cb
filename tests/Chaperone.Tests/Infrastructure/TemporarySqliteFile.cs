using Chaperone.Storage;
using Microsoft.Data.Sqlite;

namespace Chaperone.Tests.Infrastructure;

/// <summary>
/// A SQLite file of one test's own, in a folder of its own under the temporary folder. Disposing
/// it closes what holds the file open (the group commit's connection and the pool's) and removes
/// the folder (left behind if something still holds it).
/// </summary>
public sealed class TemporarySqliteFile : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chaperone-tests", Guid.NewGuid().ToString("N"));

    public TemporarySqliteFile(string name)
    {
        Directory.CreateDirectory(_directory);
        Path = System.IO.Path.Combine(_directory, name);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>A pooled connection string to the file.</summary>
    public string ConnectionString { get; }

    public void Dispose()
    {
        SqliteGroupCommit.CloseAsync(ConnectionString).GetAwaiter().GetResult();
        SqliteConnection.ClearPool(new SqliteConnection(ConnectionString));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }
}
