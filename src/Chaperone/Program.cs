using Chaperone.Infrastructure;
using Chaperone.Storage;

// `--demo` seeds the demo school; `migrate` applies the database migrations and exits.
var migrateOnly = args.Contains("migrate");
var hostArgs = args.Where(a => a != "migrate").Select(a => a == "--demo" ? "--Demo:Seed=true" : a).ToArray();

var builder = WebApplication.CreateBuilder(hostArgs);
builder.AddChaperone();
var app = builder.Build();

if (migrateOnly)
{
    await app.Services.MigrateAsync();
    app.Logger.LogInformation("The database is up to date.");
    return;
}

await app.PrepareAsync();
app.UseChaperone();
await app.RunAsync();

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
