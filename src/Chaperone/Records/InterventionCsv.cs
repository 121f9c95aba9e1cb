using CsvHelper;

namespace Chaperone.Records;

/// <summary>
/// The record of intervention as CSV for the school's MIS: RFC 4180, UTF-8 with a byte order
/// mark (so that spreadsheets read names correctly), a header line of
/// <see cref="InterventionRow.Columns"/>, then one line per session and pupil. A text field that a
/// spreadsheet would run as a formula is escaped.
/// </summary>
public static class InterventionCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };

    public static byte[] Write(IReadOnlyList<InterventionRow> rows)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader(InterventionRow.Columns.Select(c => c.Header).ToArray());
            foreach (var row in rows)
            {
                foreach (var column in InterventionRow.Columns)
                {
                    csv.WriteField(column.Value(row));
                }
                csv.EndRecord();
            }
            csv.Flush();
        }
        return buffer.ToArray();
    }
}
