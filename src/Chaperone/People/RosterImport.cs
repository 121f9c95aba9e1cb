using System.Globalization;
using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.People;

/// <summary>What an import did, or (checked only) would do.</summary>
/// <param name="Applied">False when the file was only checked.</param>
/// <param name="GuardiansUpdated">Parents and carers already held whose details the file brought up to date (with <c>update</c>).</param>
/// <param name="GuardiansDiffering">Parents and carers already held whose details differ from the file's, left as they were (without <c>update</c>).</param>
public sealed record RosterImportDto(bool Applied, int Rows, int PupilsAdded, int PupilsFound, int GuardiansAdded, int GuardiansFound, int LinksAdded,
    int GuardiansUpdated = 0, int GuardiansDiffering = 0);

/// <summary>
/// Pupils and their parents and carers from a CSV file, as a school's MIS exports them: one row
/// per pupil and parent or carer, with the columns of <see cref="Headers"/>. The whole file is
/// checked first and imported only when every row is right, in one transaction: a file with a
/// mistake imports nothing and says, row by row, what to fix.
/// <list type="bullet">
/// <item>A pupil is the same pupil as one the school holds (or another row) when the name and the
/// date of birth are the same; the date of birth is required, so that two children of one name
/// are never merged.</item>
/// <item>A parent or carer is the same as one the school holds (or another row) by email address;
/// without one, by name and phone number; and, whatever else, among the same pupil's by name (so a
/// parent whose address changed in the MIS is not doubled). Those found are linked; their details
/// (relationship, parental responsibility, email, phone) are brought up to the file's only when
/// the import is asked to <c>update</c>, and otherwise counted as differing and left as they are.</item>
/// <item>Re-importing the same file adds nothing.</item>
/// </list>
/// </summary>
public static class RosterImport
{
    public static readonly IReadOnlyList<string> Headers = ["Pupil name", "Date of birth", "Parent or carer name", "Relationship", "Parental responsibility", "Email", "Phone"];

    public const int MaxRows = 5000;

    private sealed record Row(int Line, string PupilName, DateOnly Born, GuardianRequest Guardian);

    /// <summary>Checks the file and, when <paramref name="apply"/> and every row is right, imports it; errors are keyed <c>file</c> or <c>rows[line].field</c>.</summary>
    public static async Task<PeopleOutcome<RosterImportDto>> ImportAsync(ChaperoneDbContext db, TimeProvider clock, ClaimsPrincipal admin, string csv, bool apply, bool update, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var schoolId = admin.SchoolId();
        var rows = Read(csv, await ManagePeople.SchoolTodayAsync(db, clock, schoolId, ct), errors);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<RosterImportDto>.Invalid(errors);
        }
        var pupils = await db.Pupils.Include(p => p.Guardians).Where(p => p.SchoolId == schoolId).ToListAsync(ct);
        var guardians = await db.Guardians.Where(g => g.SchoolId == schoolId).ToListAsync(ct);

        var pupilByKey = pupils.Where(p => p.DateOfBirth is not null).GroupBy(p => PupilKey(p.Name, p.DateOfBirth!.Value)).ToDictionary(g => g.Key, g => g.First());
        // Parents are known by email, or name and phone (SharedKey); those with neither only among
        // their own pupil's (PupilScopedKey), so two carers of one name in different families stay two.
        var guardianByKey = new Dictionary<string, Guardian>();
        foreach (var g in guardians)
        {
            if (SharedKey(g.Name, g.Email, g.Phone) is { } key)
            {
                guardianByKey.TryAdd(key, g);
            }
        }
        var guardianById = guardians.ToDictionary(g => g.Id);
        var (updated, differing) = (new Dictionary<Guardian, Row>(), new HashSet<Guardian>());
        foreach (var (key, pupil) in pupilByKey)
        {
            foreach (var g in pupil.Guardians.Select(l => guardianById[l.GuardianId]).Where(g => SharedKey(g.Name, g.Email, g.Phone) is null))
            {
                guardianByKey.TryAdd(PupilScopedKey(key, g.Name), g);
            }
        }
        var guardianRow = new Dictionary<Guardian, Row>();
        var (pupilsAdded, guardiansAdded, linksAdded) = (new HashSet<Pupil>(), new HashSet<Guardian>(), 0);
        var (pupilsFound, guardiansFound) = (new HashSet<Pupil>(), new HashSet<Guardian>());
        var changedPupils = new HashSet<Pupil>();

        foreach (var row in rows)
        {
            var pupilKey = PupilKey(row.PupilName, row.Born);
            if (!pupilByKey.TryGetValue(pupilKey, out var pupil))
            {
                pupil = new Pupil { SchoolId = schoolId, Name = Clean(row.PupilName), DateOfBirth = row.Born };
                pupilByKey[pupilKey] = pupil;
                pupilsAdded.Add(pupil);
            }
            else if (!pupilsAdded.Contains(pupil))
            {
                pupilsFound.Add(pupil);
            }

            var scratch = new Guardian { SchoolId = schoolId, Name = "", Relationship = "" };
            ManagePeople.ApplyGuardian(scratch, row.Guardian);
            var guardianKey = SharedKey(scratch.Name, scratch.Email, scratch.Phone) ?? PupilScopedKey(pupilKey, scratch.Name);
            // Else the pupil's own parent or carer of this name, held with other details (a new address, say): the same person.
            var guardian = guardianByKey.GetValueOrDefault(guardianKey)
                ?? pupil.Guardians.Select(l => guardianById.GetValueOrDefault(l.GuardianId)).FirstOrDefault(g => g is not null && Normal(g.Name) == Normal(scratch.Name));
            if (guardian is not null)
            {
                // Later rows with the file's details (a sibling's, say) find them too.
                guardianByKey.TryAdd(guardianKey, guardian);
            }
            if (guardian is not null && !guardiansAdded.Contains(guardian) && !SameDetails(guardian, scratch))
            {
                if (updated.TryGetValue(guardian, out var earlier))
                {
                    CsvRows.AddError(errors, $"rows[{row.Line}].guardian", $"This parent or carer is on row {earlier.Line} with other details; make the rows agree.");
                }
                else if (update)
                {
                    ManagePeople.ApplyGuardian(guardian, row.Guardian);
                    updated[guardian] = row;
                }
                else
                {
                    differing.Add(guardian);
                }
            }
            if (guardian is null)
            {
                guardian = scratch;
                guardianById[guardian.Id] = guardian;
                guardianByKey[guardianKey] = guardian;
                guardiansAdded.Add(guardian);
                guardianRow[guardian] = row;
            }
            else if (guardianRow.TryGetValue(guardian, out var first) && !SameDetails(guardian, scratch))
            {
                CsvRows.AddError(errors, $"rows[{row.Line}].guardian", $"This parent or carer is on row {first.Line} with other details; make the rows agree.");
            }
            else if (!guardiansAdded.Contains(guardian))
            {
                guardiansFound.Add(guardian);
            }

            if (pupil.Guardians.All(l => l.GuardianId != guardian.Id))
            {
                pupil.Guardians.Add(new PupilGuardian { SchoolId = schoolId, PupilId = pupil.Id, GuardianId = guardian.Id });
                linksAdded++;
                if (!pupilsAdded.Contains(pupil))
                {
                    changedPupils.Add(pupil);
                }
            }
            if (pupil.Guardians.Count > ManagePeople.MaxGuardiansPerPupil)
            {
                CsvRows.AddError(errors, $"rows[{row.Line}].pupil", $"{pupil.Name} would have more than {ManagePeople.MaxGuardiansPerPupil} parents and carers.");
            }
        }
        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new PeopleOutcome<RosterImportDto>.Invalid(errors);
        }
        var result = new RosterImportDto(apply, rows.Count, pupilsAdded.Count, pupilsFound.Count, guardiansAdded.Count, guardiansFound.Count, linksAdded,
            updated.Count, differing.Count);
        if (!apply)
        {
            db.ChangeTracker.Clear();
            return new PeopleOutcome<RosterImportDto>.Done(result);
        }
        db.Guardians.AddRange(guardiansAdded);
        db.Pupils.AddRange(pupilsAdded);
        foreach (var g in guardiansAdded)
        {
            AuditLog.Record(db, admin, AuditActions.GuardianAdded, AuditSubjects.Guardian, g.Id, ManagePeople.ToDto(g));
        }
        foreach (var g in updated.Keys)
        {
            AuditLog.Record(db, admin, AuditActions.GuardianChanged, AuditSubjects.Guardian, g.Id, ManagePeople.ToDto(g));
        }
        foreach (var p in pupilsAdded.Concat(changedPupils))
        {
            AuditLog.Record(db, admin, pupilsAdded.Contains(p) ? AuditActions.PupilAdded : AuditActions.PupilChanged, AuditSubjects.Pupil, p.Id, ManagePeople.PupilDetails(p));
        }
        AuditLog.Record(db, admin, AuditActions.RosterImported, AuditSubjects.School, schoolId, result);
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        return new PeopleOutcome<RosterImportDto>.Done(result);
    }

    /// <summary>The rows of the file, each checked on its own; errors for the file or per row.</summary>
    private static List<Row> Read(string csv, DateOnly today, Dictionary<string, string[]> errors)
    {
        var rows = new List<Row>();
        CsvRows.Read(csv, Headers, MaxRows, errors, (line, field) =>
        {
            var rowErrors = new Dictionary<string, string[]>();
            var name = field(0);
            ManagePeople.CheckName(name, "pupilName", rowErrors);
            var born = ParseDate(field(1));
            if (born is null) { rowErrors["dateOfBirth"] = ["The date of birth is required, as 2017-05-21 or 21/05/2017."]; }
            else if (ManagePeople.CheckBorn(born.Value, today) is { } wrong) { rowErrors["dateOfBirth"] = [wrong]; }
            var responsibility = field(4)?.Trim().ToLowerInvariant() switch
            {
                "yes" or "y" or "true" or "1" => true,
                "no" or "n" or "false" or "0" => false,
                _ => (bool?)null,
            };
            var guardian = new GuardianRequest(field(2), field(3), responsibility, field(5), field(6));
            foreach (var (key, messages) in ManagePeople.ApplyGuardian(new Guardian { Name = "", Relationship = "" }, guardian))
            {
                rowErrors[key switch { "name" => "guardianName", "hasParentalResponsibility" => "parentalResponsibility", _ => key }] = messages;
            }
            foreach (var (key, messages) in rowErrors)
            {
                CsvRows.AddError(errors, $"rows[{line}].{key}", messages[0]);
            }
            if (rowErrors.Count > 0)
            {
                return false;
            }
            rows.Add(new Row(line, name!, born!.Value, guardian));
            return true;
        });
        return rows;
    }

    /// <summary>Whether a held parent or carer's details are those of the file's row (its name found them).</summary>
    private static bool SameDetails(Guardian held, Guardian row) =>
        Normal(held.Name) == Normal(row.Name) && held.Relationship == row.Relationship && held.HasParentalResponsibility == row.HasParentalResponsibility
        && string.Equals(held.Email, row.Email, StringComparison.OrdinalIgnoreCase) && Digits(held.Phone) == Digits(row.Phone);

    private static string Digits(string? phone) => new((phone ?? "").Where(char.IsDigit).ToArray());

    private static DateOnly? ParseDate(string? value) =>
        DateOnly.TryParseExact(value?.Trim(), ["yyyy-MM-dd", "dd/MM/yyyy", "d/M/yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static string Clean(string name) => CsvRows.Tidy(name);

    private static string Normal(string name) => Clean(name).ToLowerInvariant();

    private static string PupilKey(string name, DateOnly born) => $"{Normal(name)}|{born:yyyy-MM-dd}";

    private static string PupilScopedKey(string pupilKey, string guardianName) => $"pupil:{pupilKey}|name:{Normal(guardianName)}";

    /// <summary>How a parent or carer is known across pupils: by email address, or by name and phone; null when neither is given.</summary>
    private static string? SharedKey(string name, string? email, string? phone) =>
        !string.IsNullOrWhiteSpace(email) ? $"email:{email.Trim().ToLowerInvariant()}"
        : !string.IsNullOrWhiteSpace(phone) ? $"name:{Normal(name)}|phone:{new string(phone.Where(char.IsDigit).ToArray())}"
        : null;
}
