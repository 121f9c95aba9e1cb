using System.Globalization;
using CsvHelper;
using NodaTime;

namespace Chaperone.Compliance;

/// <summary>
/// The compliance dashboard's sessions as CSV, for governors or the school's own analysis: RFC 4180,
/// UTF-8 with a byte order mark, a header line, then one line per session listed (the same choice
/// and order as the page), with its verdict on each clause; a text field a spreadsheet would run
/// as a formula is escaped. Times are the school's.
/// </summary>
public static class ComplianceCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };

    public static IReadOnlyList<string> Headers { get; } =
        ["Date", "Time", "Teacher", "Pupils", "Session status", "Where it stands", .. Policy.Clauses.All.Select(c => $"Clause {c.Number}: {c.Title}"), "Session id"];

    public static byte[] Write(ComplianceOverviewDto overview)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(overview.TimeZone) ?? DateTimeZone.Utc;
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader([.. Headers]);
            foreach (var item in overview.Items)
            {
                var s = item.Session;
                var start = Instant.FromDateTimeOffset(s.Start).InZone(zone);
                var end = Instant.FromDateTimeOffset(s.End).InZone(zone);
                csv.WriteField(Pages.Display.Day(start.Date));
                csv.WriteField($"{start.TimeOfDay.ToString("HH:mm", CultureInfo.InvariantCulture)}–{end.TimeOfDay.ToString("HH:mm", CultureInfo.InvariantCulture)}");
                csv.WriteField(s.Teacher.Name);
                csv.WriteField(string.Join("; ", s.Pupils.Select(p => p.Name)));
                csv.WriteField(s.Status);
                csv.WriteField(item.State);
                foreach (var status in item.Clauses)
                {
                    csv.WriteField(status);
                }
                csv.WriteField(s.Id);
                csv.EndRecord();
            }
            csv.Flush();
        }
        return buffer.ToArray();
    }
}
