using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Schools;
using Chaperone.Storage;

// `--demo` seeds the demo school; `migrate` applies the database migrations and exits;
// `add-school "Name" admin@email` adds a school and its first admin, and exits;
// `verify-audit` verifies every school's audit trail and exits 0 (intact) or 1;
// `backup <folder>` copies the database, keys and recordings into an empty folder, and exits.
var command = args.FirstOrDefault() is "migrate" or "add-school" or "verify-audit" or "backup" ? args[0] : null;
var commandArgs = command is "add-school" or "backup" ? args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList() : [];
var hostArgs = args.Skip(command is null ? 0 : 1 + commandArgs.Count).Select(a => a == "--demo" ? "--Demo:Seed=true" : a).ToArray();

var builder = WebApplication.CreateBuilder(hostArgs);
builder.AddChaperone();
var app = builder.Build();

if (command == "migrate")
{
    await app.Services.MigrateAsync();
    app.Logger.LogInformation("The database is up to date.");
    return 0;
}
if (command == "add-school")
{
    if (StorageSetup.ProviderFrom(app.Configuration) == DatabaseProvider.Sqlite)
    {
        await app.Services.MigrateAsync();
    }
    return await AddSchoolCommand.RunAsync(app.Services, commandArgs, Console.Out);
}
if (command == "verify-audit")
{
    return await VerifyAuditCommand.RunAsync(app.Services, Console.Out);
}
if (command == "backup")
{
    return await BackupCommand.RunAsync(app.Services, commandArgs, Console.Out);
}

await app.PrepareAsync();
app.UseChaperone();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
