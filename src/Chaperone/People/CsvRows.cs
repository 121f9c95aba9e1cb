using CsvHelper;

namespace Chaperone.People;

/// <summary>
/// The rows of an imported CSV file (<see cref="RosterImport"/>, <see cref="StaffImport"/>): the
/// first row names the columns (in any order, spaces tidied), blank rows are skipped, and what is
/// wrong with the file as a whole goes under <c>file</c>; each row's own mistakes are the caller's.
/// </summary>
internal static class CsvRows
{
    /// <summary>Errors reported at most, so that a wrong file does not answer with thousands.</summary>
    private const int MaxErrors = 100;

    /// <summary>The largest file taken (2 MB): far more than either import's rows need.</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    public static readonly string TooLarge = $"The file is larger than {MaxBytes / (1024 * 1024)} MB; split it.";

    /// <summary>The text of an uploaded file (UTF-8), or null when it is larger than <see cref="MaxBytes"/>.</summary>
    public static async Task<string?> ReadFileAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Reads up to <paramref name="maxRows"/> rows with <paramref name="headers"/>, handing each
    /// (its line number, and its field by column index) to <paramref name="row"/>, which answers
    /// whether it took the row.
    /// </summary>
    public static void Read(string csv, IReadOnlyList<string> headers, int maxRows, Dictionary<string, string[]> errors, Func<int, Func<int, string?>, bool> row)
    {
        if (string.IsNullOrWhiteSpace(csv))
        {
            errors["file"] = [$"Choose a CSV file with the columns {string.Join(", ", headers)}."];
            return;
        }
        var options = new CsvReaderOptions { TrimWhitespace = true, TrackLineNumbers = true, NormalizeHeaderName = Tidy };
        using var reader = CsvReader.FromText(csv.TrimStart('\uFEFF'), options);
        var taken = 0;
        try
        {
            var missing = headers.Where(h => !reader.TryGetFieldIndex(h, out _)).ToList();
            if (missing.Count > 0)
            {
                errors["file"] = [$"The first row must name the columns; missing: {string.Join(", ", missing)}."];
                return;
            }
            while (reader.Read())
            {
                if (taken >= maxRows)
                {
                    errors["file"] = [$"At most {maxRows} rows in one file; split it."];
                    return;
                }
                string? Field(int column) => reader.GetString(headers[column]);
                if (Enumerable.Range(0, headers.Count).All(c => string.IsNullOrWhiteSpace(Field(c))))
                {
                    continue;
                }
                if (row((int)reader.LineNumber, Field))
                {
                    taken++;
                }
            }
        }
        catch (CsvFormatException)
        {
            errors["file"] = ["This file cannot be read as CSV; save it from your spreadsheet as CSV (comma separated) and try again."];
        }
        if (taken == 0 && errors.Count == 0)
        {
            errors["file"] = ["The file has no rows under its column names."];
        }
    }

    /// <summary>Adds a row's error, up to <see cref="MaxErrors"/> in all.</summary>
    public static void AddError(Dictionary<string, string[]> errors, string key, string message)
    {
        if (errors.Count < MaxErrors)
        {
            errors.TryAdd(key, [message]);
        }
    }

    /// <summary>A name or heading with its spaces tidied: no leading, trailing or double ones.</summary>
    public static string Tidy(string text) => string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
