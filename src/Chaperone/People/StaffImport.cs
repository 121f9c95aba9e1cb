using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.People;

/// <summary>What a staff import did, or (checked only) would do; <paramref name="Invited"/> lists the accounts made, each emailed an invitation.</summary>
public sealed record StaffImportDto(bool Applied, int Rows, int Added, int Found, IReadOnlyList<StaffDto> Invited);

/// <summary>
/// Staff from a CSV file (<see cref="Headers"/>: name, email address, roles), checked whole and
/// imported whole or not at all, like the pupils' import (<see cref="RosterImport"/>).
/// <list type="bullet">
/// <item>Someone the school already has (the same address) is left as they are: roles are changed on the People page
/// (so a file cannot give an existing account the DSL or senior leader role; that is offered by email, <see cref="SafeguardingRolesByEmail"/>).</item>
/// <item>A new account with the DSL or senior leader role is told to the school's DSLs and senior leaders (<see cref="SafeguardingRoleGrants.NotifyAsync"/>).</item>
/// <item>An address that has an account in another school is a mistake to fix, not an account to take.</item>
/// <item>Each new account has no password yet: its owner is emailed an invitation to choose one (<see cref="Identity.ForgottenPasswords.InvitationAsync"/>), a link
/// that works once within <see cref="ClockResetTokenProvider.InvitationLifespan"/> (and, where the
/// installation offers it, told they may sign in with Microsoft instead).</item>
/// </list>
/// </summary>
public static class StaffImport
{
    public static readonly IReadOnlyList<string> Headers = ["Name", "Email", "Roles"];

    public const int MaxRows = 1000;

    private sealed record Row(int Line, string Name, string Email, string[] Roles);

    /// <summary>Checks the file and, when <paramref name="apply"/> and every row is right, imports it; errors are keyed <c>file</c> or <c>rows[line].field</c>.</summary>
    public static async Task<PeopleOutcome<StaffImportDto>> ImportAsync(ChaperoneDbContext db, UserManager<StaffMember> users, ForgottenPasswords links,
        SafeguardingRoleGrants grants, Notifications.OutboxSignal outbox, ClaimsPrincipal admin, string csv, bool apply, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var rows = Read(csv, errors);
        if (errors.ContainsKey("file"))
        {
            return new PeopleOutcome<StaffImportDto>.Invalid(errors);
        }
        // The rows that are right on their own are checked against each other and the accounts held, so every mistake is listed at once.
        var schoolId = admin.SchoolId();
        var normalized = rows.Select(r => users.NormalizeEmail(r.Email)).Distinct().ToList();
        var holders = await db.Users.AsNoTracking().Where(u => normalized.Contains(u.NormalizedEmail!))
            .Select(u => new { u.NormalizedEmail, u.SchoolId }).ToListAsync(ct);
        var heldBy = holders.ToDictionary(h => h.NormalizedEmail!, h => h.SchoolId);
        var firstRow = new Dictionary<string, int>();
        var (added, found) = (new List<Row>(), 0);
        foreach (var row in rows)
        {
            var key = users.NormalizeEmail(row.Email);
            if (firstRow.TryGetValue(key, out var first))
            {
                CsvRows.AddError(errors, $"rows[{row.Line}].email", $"This address is on row {first} too; each member of staff once.");
                continue;
            }
            firstRow[key] = row.Line;
            if (heldBy.TryGetValue(key, out var school) && school != schoolId)
            {
                CsvRows.AddError(errors, $"rows[{row.Line}].email", "This address has a Chaperone account in another school; give the address they use here.");
            }
            else if (heldBy.ContainsKey(key))
            {
                found++;
            }
            else
            {
                added.Add(row);
            }
        }
        if (errors.Count > 0)
        {
            return new PeopleOutcome<StaffImportDto>.Invalid(errors);
        }
        if (!apply)
        {
            return new PeopleOutcome<StaffImportDto>.Done(new StaffImportDto(false, rows.Count, added.Count, found, []));
        }

        var schoolName = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.Name).SingleAsync(ct);
        var members = new List<StaffMember>();
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            foreach (var row in added)
            {
                var member = new StaffMember { SchoolId = schoolId, Name = row.Name, Email = row.Email, UserName = row.Email, EmailConfirmed = true };
                var created = await ManagePeople.CreateStaffAsync(db, users, grants, admin, member, password: null, row.Roles, ct, imported: true);
                if (!created.Succeeded)
                {
                    // Checked above; another admin's import or addition of the same address in the meantime.
                    db.ChangeTracker.Clear();
                    return new PeopleOutcome<StaffImportDto>.Invalid(new() { [$"rows[{row.Line}].email"] = [string.Join(" ", created.Errors.Select(e => e.Description))] });
                }
                db.OutboxMessages.Add(await links.InvitationAsync(member, schoolName));
                members.Add(member);
            }
            AuditLog.Record(db, admin, AuditActions.StaffImported, AuditSubjects.School, schoolId, new { rows = rows.Count, added = added.Count, found });
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        outbox.Wake();
        var ids = members.Select(m => Ids.Format(m.Id)).ToHashSet();
        var invited = (await PeopleEndpoints.LoadStaffAsync(db, schoolId, ct)).Where(s => ids.Contains(s.Id)).ToList();
        return new PeopleOutcome<StaffImportDto>.Done(new StaffImportDto(true, rows.Count, added.Count, found, invited));
    }

    /// <summary>The rows of the file, each checked on its own; errors for the file or per row.</summary>
    private static List<Row> Read(string csv, Dictionary<string, string[]> errors)
    {
        var rows = new List<Row>();
        CsvRows.Read(csv, Headers, MaxRows, errors, (line, field) =>
        {
            var (name, email, roleList) = (field(0), field(1)?.Trim(), field(2));
            var rowErrors = new Dictionary<string, string[]>();
            ManagePeople.CheckName(name, "name", rowErrors);
            if (string.IsNullOrEmpty(email) || !ManagePeople.IsEmail(email))
            {
                rowErrors["email"] = ["Give a valid email address, e.g. name@school.org.uk."];
            }
            // "Teacher; Slt", any case: each as the app names it.
            var roles = (roleList ?? "").Split([';', ',', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => Roles.Named(r)!).Distinct().ToArray();
            ManagePeople.CheckRoles(roles, rowErrors);
            foreach (var (key, messages) in rowErrors)
            {
                CsvRows.AddError(errors, $"rows[{line}].{key}", messages[0]);
            }
            if (rowErrors.Count > 0)
            {
                return false;
            }
            rows.Add(new Row(line, CsvRows.Tidy(name!), email!, roles));
            return true;
        });
        return rows;
    }
}
