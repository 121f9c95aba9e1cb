using Chaperone.People;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Admin;

/// <summary>
/// Pupils and their parents and carers (<see cref="RosterImport"/>), or staff (<c>?kind=staff</c>,
/// <see cref="StaffImport"/>), from a CSV file: checked, then imported whole or not at all.
/// </summary>
public sealed partial class ImportModel(Storage.ChaperoneDbContext db, UserManager<StaffMember> users, Identity.ForgottenPasswords links, SafeguardingRoleGrants grants,
    Notifications.OutboxSignal outbox, TimeProvider clock) : PageModel
{
    public const string PagePath = "/admin/people/import";

    public const string StaffPagePath = PagePath + "?kind=staff";

    /// <summary><c>staff</c> for the staff import; else pupils and their parents and carers.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    public bool IsStaff => Kind == "staff";

    public IReadOnlyList<string> Headers => IsStaff ? StaffImport.Headers : RosterImport.Headers;

    public StaffImportDto? StaffResult { get; private set; }

    [BindProperty]
    public IFormFile? Upload { get; set; }

    [BindProperty]
    public bool CheckOnly { get; set; }

    /// <summary>Bring the details of parents and carers already held up to the file's.</summary>
    [BindProperty]
    public bool UpdateDetails { get; set; }

    public FormErrors Errors { get; } = new();

    /// <summary>What to fix, row by row: (row, column, message).</summary>
    public List<(int Row, string Column, string Message)> RowErrors { get; } = [];

    public RosterImportDto? Result { get; private set; }

    public void OnGet()
    {
    }

    /// <summary>A file with the column names and one example row, to fill in or to match the MIS's export to.</summary>
    public IActionResult OnGetTemplate() => IsStaff
        ? File(System.Text.Encoding.UTF8.GetBytes(string.Join(",", StaffImport.Headers) + "\r\n" + "Jo Smith,jo.smith@school.example,Teacher\r\n" + "Sam Patel,sam.patel@school.example,Teacher; Slt\r\n"),
            "text/csv", "chaperone-staff.csv")
        : File(System.Text.Encoding.UTF8.GetBytes(
            string.Join(",", RosterImport.Headers) + "\r\n" + "Amelia Brown,2017-05-21,Sarah Brown,Mother,yes,sarah.brown@example.org,01726 890000\r\n"),
            "text/csv", "chaperone-pupils-and-parents.csv");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Upload is null || Upload.Length == 0)
        {
            Errors.Add("roster-file", "Choose the CSV file to import.");
            return Page();
        }
        string? csv;
        await using (var stream = Upload.OpenReadStream())
        {
            csv = await CsvRows.ReadFileAsync(stream, ct);
        }
        if (csv is null)
        {
            Errors.Add("roster-file", CsvRows.TooLarge);
            return Page();
        }
        IReadOnlyDictionary<string, string[]>? invalid;
        if (IsStaff)
        {
            var outcome = await StaffImport.ImportAsync(db, users, links, grants, outbox, User, csv, apply: !CheckOnly, ct);
            StaffResult = (outcome as PeopleOutcome<StaffImportDto>.Done)?.Value;
            invalid = (outcome as PeopleOutcome<StaffImportDto>.Invalid)?.Errors;
        }
        else
        {
            var outcome = await RosterImport.ImportAsync(db, clock, User, csv, apply: !CheckOnly, UpdateDetails, ct);
            Result = (outcome as PeopleOutcome<RosterImportDto>.Done)?.Value;
            invalid = (outcome as PeopleOutcome<RosterImportDto>.Invalid)?.Errors;
        }
        switch (invalid)
        {
            case null:
                break;
            default:
                foreach (var (key, messages) in invalid)
                {
                    if (RowError().Match(key) is { Success: true } m)
                    {
                        RowErrors.Add((int.Parse(m.Groups["row"].Value, System.Globalization.CultureInfo.InvariantCulture), Column(m.Groups["field"].Value), messages[0]));
                    }
                    else
                    {
                        Errors.Add("roster-file", messages[0]);
                    }
                }
                RowErrors.Sort((a, b) => a.Row.CompareTo(b.Row));
                if (RowErrors.Count > 0)
                {
                    Errors.Add("row-errors", $"{RowErrors.Count} {(RowErrors.Count == 1 ? "thing needs" : "things need")} fixing in the file; nothing was imported.");
                }
                break;
        }
        return Page();
    }

    private string Column(string field) => IsStaff
        ? field switch { "name" => StaffImport.Headers[0], "email" => StaffImport.Headers[1], _ => StaffImport.Headers[2] }
        : field switch
    {
        "pupilName" => RosterImport.Headers[0],
        "dateOfBirth" => RosterImport.Headers[1],
        "guardianName" => RosterImport.Headers[2],
        "relationship" => RosterImport.Headers[3],
        "parentalResponsibility" => RosterImport.Headers[4],
        "email" => RosterImport.Headers[5],
        "phone" => RosterImport.Headers[6],
        "pupil" => "Pupil",
        _ => "Parent or carer",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^rows\[(?<row>\d+)\]\.(?<field>\w+)$")]
    private static partial System.Text.RegularExpressions.Regex RowError();
}
