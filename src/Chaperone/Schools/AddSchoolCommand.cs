using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;

namespace Chaperone.Schools;

/// <summary>
/// <c>add-school "Name" admin@school.org.uk ["Admin name"]</c>: creates a school with the
/// policy's default settings and its first admin, and prints the admin's initial password.
/// One installation serves as many schools as are added this way.
/// </summary>
public static class AddSchoolCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count < 2 || FreeText.IsBlank(args[0]) || !ManagePeople.IsEmail(args[1].Trim()))
        {
            await output.WriteLineAsync("usage: add-school \"School name\" admin@school.org.uk [\"Admin name\"]");
            return 2;
        }
        if (FreeText.ChangesDirection(args[0]) || FreeText.HasControlCharacters(args[0]))
        {
            await output.WriteLineAsync(FreeText.ChangesDirection(args[0]) ? FreeText.ChangesDirectionError("The school's name") : FreeText.CannotKeep("The school's name"));
            return 2;
        }
        var adminName = new Dictionary<string, string[]>();
        if (args.Count > 2)
        {
            ManagePeople.CheckName(args[2], "name", adminName);
        }
        if (adminName.TryGetValue("name", out var nameError))
        {
            await output.WriteLineAsync($"The admin's name: {nameError[0]}");
            return 2;
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StaffMember>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>();
        var email = args[1].Trim();
        if (await users.FindByEmailAsync(email) is not null)
        {
            await output.WriteLineAsync($"Someone already has an account with {email}.");
            return 1;
        }
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole<Guid>(role) { Id = Guid.CreateVersion7() });
            }
        }
        var school = new School { Name = args[0].Trim() };
        db.Schools.Add(school);
        await db.SaveChangesAsync();
        var admin = new StaffMember { SchoolId = school.Id, Name = args.Count > 2 ? args[2].Trim() : email, Email = email, UserName = email, EmailConfirmed = true, MustChangePassword = true };
        var password = ManagePeople.OneTimePassword();
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
        {
            await output.WriteLineAsync(string.Join(" ", created.Errors.Select(e => e.Description)));
            return 1;
        }
        await users.AddToRoleAsync(admin, Roles.Admin);
        await output.WriteLineAsync($"Added {school.Name}. Its admin {email} can sign in with the initial password: {password}");
        return 0;
    }
}
