using Chaperone.Pages;

namespace Chaperone.Records;

/// <summary>
/// The record of intervention as a printable PDF: A4 landscape, a block per session and pupil
/// with every column of <see cref="InterventionRow.Columns"/>, and on every page a header with
/// the school, the pupil (or "All pupils") and the range, and "Page n of m".
/// </summary>
public static class InterventionPdf
{
    public const string ContentType = LabelledPdf.ContentType;

    public static byte[] Write(InterventionReport report)
    {
        var who = report.Pupil ?? "All pupils";
        var range = (report.Term is { } term ? $"{term}: " : "") + $"{Display.Day(report.Range.From)} to {Display.Day(report.Range.To)} (times in {report.TimeZone})";
        return LabelledPdf.Write(new LabelledPdf.Document(
            $"Record of intervention: {who}, {report.School}", range,
            $"{report.School}: record of intervention (clause 11)", $"{who}. {range}", Landscape: true,
            [new LabelledPdf.Section(null, report.Rows.Select(row => new LabelledPdf.Block(InterventionRow.Columns.Select(c => (c.Header, (string?)c.Value(row))).ToList())).ToList(),
                "No sessions in this range.")]));
    }
}
