using System.Net.Http.Headers;
using System.Net.Http.Json;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Chaperone.Tests.Infrastructure;

public enum Db
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The real app in process, on a real database: a SQLite file in a fresh data directory, or a
/// fresh database on the throwaway PostgreSQL server that <c>test.sh</c> starts (its address in
/// <c>CHAPERONE_TEST_POSTGRES</c>). Time comes from <see cref="Clock"/>, which starts on Monday
/// 30 November 2026 at 08:00 UTC.
/// </summary>
public class ChaperoneApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset StartOfTime = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    public const string DemoPassword = "demo-password-for-tests";

    /// <summary>The authenticator key of the demo's dsl@ and head@, who have two-factor sign-in on.</summary>
    public const string DemoTotpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    private readonly string? _postgresDatabase;

    /// <summary>Whether this instance made the database and data directory (and so removes them); a restarted one did not.</summary>
    private readonly bool _owner = true;

    public ChaperoneApp() : this(Db.Sqlite) { }

    private ChaperoneApp(ChaperoneApp running)
    {
        Db = running.Db;
        DataDirectory = running.DataDirectory;
        _postgresDatabase = running._postgresDatabase;
        foreach (var (key, value) in running.Settings)
        {
            Settings[key] = value;
        }
        _owner = false;
        Clock.SetUtcNow(running.Clock.GetUtcNow());
    }

    /// <summary>
    /// The app started again on this one's database and data directory (its keys too), with its
    /// settings (<see cref="Settings"/>, changed by <paramref name="settings"/>) and its own clock set to this one's time: what a server
    /// restart finds, or a second instance beside this one behind a load balancer. Nothing held in
    /// memory is shared. Dispose it before this one; the database and directory stay this one's.
    /// </summary>
    public async Task<ChaperoneApp> AnotherInstanceAsync(Action<Dictionary<string, string>>? settings = null)
    {
        var another = new ChaperoneApp(this);
        settings?.Invoke(another.Settings);
        await another.InitializeAsync();
        return another;
    }

    /// <summary>Settings beyond the test defaults, applied when the app starts (set them before it does).</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    protected ChaperoneApp(Db db)
    {
        Db = db;
        DataDirectory = Path.Combine(Path.GetTempPath(), "chaperone-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        if (db == Db.Postgres)
        {
            _postgresDatabase = "chaperone_" + Guid.NewGuid().ToString("N");
        }
    }

    public Db Db { get; }
    public FakeTimeProvider Clock { get; } = new(StartOfTime);

    /// <summary>The warnings and errors this instance has logged.</summary>
    public LogCapture Logs { get; } = new();
    public string DataDirectory { get; }

    /// <summary>
    /// The setting <c>test.sh</c> gives in <paramref name="variable"/> for a server it starts
    /// (<paramref name="server"/>); missing, the test fails rather than skips, so a machine without
    /// the server cannot look green.
    /// </summary>
    public static string FromTestSh(string variable, string server) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the tests with ./test.sh, which starts {server}.");

    public static string PostgresAdminConnectionString => FromTestSh("CHAPERONE_TEST_POSTGRES", "a throwaway PostgreSQL");

    /// <summary>The throwaway Redis server that <c>test.sh</c> starts (its address in <c>CHAPERONE_TEST_REDIS</c>).</summary>
    public static string RedisConfiguration => FromTestSh("CHAPERONE_TEST_REDIS", "a throwaway Redis");

    /// <summary>The connection string of the throwaway Azure Blob Storage server (Azurite) that <c>test.sh</c> starts (in <c>CHAPERONE_TEST_AZURE_BLOB</c>).</summary>
    public static string AzureBlobConnectionString => FromTestSh("CHAPERONE_TEST_AZURE_BLOB", "a throwaway Azurite");

    /// <summary>Keeps the recordings of this app in a container of its own on the test Azurite (set before it starts); the container's name.</summary>
    public string UseAzureBlobRecordings()
    {
        var container = "recordings-" + Guid.NewGuid().ToString("N");
        Settings["Recordings:Store"] = "AzureBlob";
        Settings["Recordings:AzureBlob:ConnectionString"] = AzureBlobConnectionString;
        Settings["Recordings:AzureBlob:Container"] = container;
        return container;
    }

    public string ConnectionString => Db == Db.Postgres
        ? new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString) { Database = _postgresDatabase }.ToString()
        : $"Data Source={Path.Combine(DataDirectory, "chaperone.db")};Pooling=True";

    public virtual async Task InitializeAsync()
    {
        if (_postgresDatabase is not null && _owner)
        {
            await using var admin = new NpgsqlConnection(PostgresAdminConnectionString);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_postgresDatabase}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        // Start the host now, so migrations and the demo seed run before the first test.
        _ = Services;
    }

    /// <summary>
    /// Starts the app outside a test fixture (with <see cref="Settings"/> set first); disposing the
    /// answer stops it and removes its database and data directory, as the fixture would. If it
    /// does not start, they are removed at once and the error is thrown.
    /// </summary>
    public async Task<IAsyncDisposable> StartOwnedAsync()
    {
        try
        {
            await InitializeAsync();
        }
        catch
        {
            await ((IAsyncLifetime)this).DisposeAsync();
            throw;
        }
        return new Owned(this);
    }

    private sealed class Owned(ChaperoneApp app) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(((IAsyncLifetime)app).DisposeAsync());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (!_owner)
        {
            return;
        }
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(PostgresAdminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pool is left for the OS to clean; it is under /tmp.
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("DataDirectory", DataDirectory);
        builder.UseSetting("Demo:Seed", "true");
        builder.UseSetting("Demo:Password", DemoPassword);
        builder.UseSetting("Demo:TotpSecret", DemoTotpSecret);
        builder.UseSetting("Database:MigrateOnStart", "true");
        builder.UseSetting("Database:Provider", Db.ToString());
        builder.UseSetting("ConnectionStrings:Chaperone", ConnectionString);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        // The test settings keep EF's warnings off the console; the capture still keeps its query
        // warnings, which say that a query is loaded in a way the app did not choose, and its
        // migration warnings, which a new installation's first start would show.
        builder.ConfigureLogging(logging => logging.AddProvider(Logs)
            .AddFilter<LogCapture>("Microsoft.EntityFrameworkCore.Query", LogLevel.Warning)
            .AddFilter<LogCapture>("Microsoft.EntityFrameworkCore.Migrations", LogLevel.Warning));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            // Every test school hashes several passwords; the production work factor would make the suite slow.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1);
        });
    }

    /// <summary>
    /// A client signed in through <c>POST /api/v1/auth/login</c>, sending the bearer token. The
    /// current code for the demo's authenticator key goes too; accounts without two-factor sign-in ignore it.
    /// </summary>
    public async Task<HttpClient> SignInAsync(string email, string password = DemoPassword)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password, twoFactorCode = NextTotpCode(email, DemoTotpSecret) });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.AccessToken);
        return client;
    }

    private readonly Dictionary<string, long> _lastTotpStep = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A code for <paramref name="base32Key"/> as <paramref name="account"/> signing in would type it.
    /// Chaperone accepts an account's code once (and none older), so an account signing in again
    /// takes the next 30-second step's code, which the one step allowed for clock drift admits. Past
    /// that step the clock moves on to it, as a person would wait for the next code.
    /// </summary>
    public string NextTotpCode(string account, string base32Key)
    {
        lock (_lastTotpStep)
        {
            var now = Clock.GetUtcNow().ToUnixTimeSeconds() / TotpStepSeconds;
            var step = _lastTotpStep.TryGetValue(account, out var last) ? Math.Max(last + 1, now - 1) : now;
            if (step > now + 1)
            {
                Clock.Advance(TimeSpan.FromSeconds((step - now - 1) * TotpStepSeconds));
            }
            _lastTotpStep[account] = step;
            return new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(base32Key)).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * TotpStepSeconds).UtcDateTime);
        }
    }

    private const int TotpStepSeconds = 30;

    /// <summary>The code an authenticator app holding <paramref name="base32Key"/> shows now, by the app's clock (RFC 6238).</summary>
    public string TotpCode(string base32Key, TimeSpan? offset = null) =>
        new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(base32Key)).ComputeTotp((Clock.GetUtcNow() + (offset ?? TimeSpan.Zero)).UtcDateTime);

    /// <summary>Waits until the password link requests taken so far have been dealt with (they are, in the background).</summary>
    public async Task PasswordLinkRequestsDoneAsync()
    {
        for (var waited = TimeSpan.Zero; await WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Set<Chaperone.Identity.PasswordLinkRequest>())) is var waiting and > 0; waited += TimeSpan.FromMilliseconds(20))
        {
            Assert.True(waited < TimeSpan.FromSeconds(15), $"{waiting} password link requests are still waiting.");
            await Task.Delay(20);
        }
    }

    /// <summary>Runs <paramref name="work"/> with a database context of the app (for arranging data and asserting on rows).</summary>
    public async Task<T> WithDbAsync<T>(Func<ChaperoneDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>());
    }

    private sealed record TokenResponse(string AccessToken, long ExpiresIn);
}

/// <summary>The app on PostgreSQL.</summary>
public sealed class PostgresChaperoneApp : ChaperoneApp
{
    public PostgresChaperoneApp() : base(Db.Postgres) { }
}
