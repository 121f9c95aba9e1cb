using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Chaperone.Records;

/// <summary>
/// A printable PDF of labelled blocks (PDFsharp, A4): on every page a heading and a line saying
/// what it holds, and "Page n of m"; sections with an optional title, each a list of blocks of
/// label and value rows (values wrapped; a block kept on one page when it fits on one).
/// </summary>
public static class LabelledPdf
{
    public const string ContentType = "application/pdf";

    private const double Margin = 36;
    private const double LabelWidth = 170;
    private const double Leading = 1.35;

    private static readonly object FontGate = new();

    /// <param name="Title">The document's title (its properties).</param>
    /// <param name="Subject">The document's subject (its properties).</param>
    /// <param name="Heading">The heading on every page.</param>
    /// <param name="Line">The line under it on every page.</param>
    public sealed record Document(string Title, string Subject, string Heading, string Line, bool Landscape, IReadOnlyList<Section> Sections);

    /// <param name="Empty">Written when the section has no blocks.</param>
    public sealed record Section(string? Title, IReadOnlyList<Block> Blocks, string Empty);

    public sealed record Block(IReadOnlyList<(string Label, string? Value)> Rows);

    public static byte[] Write(Document d)
    {
        EnsureFonts();
        var heading = new XFont(EmbeddedFonts.Family, 14, XFontStyleEx.Bold);
        var sectionTitle = new XFont(EmbeddedFonts.Family, 11.5, XFontStyleEx.Bold);
        var bold = new XFont(EmbeddedFonts.Family, 9.5, XFontStyleEx.Bold);
        var regular = new XFont(EmbeddedFonts.Family, 9.5, XFontStyleEx.Regular);
        var small = new XFont(EmbeddedFonts.Family, 8, XFontStyleEx.Regular);

        var document = new PdfDocument();
        document.Info.Title = d.Title;
        document.Info.Subject = d.Subject;
        document.Info.Creator = "Chaperone";

        PdfPage page = null!;
        XGraphics gfx = null!;
        double y = 0, bottom = 0, width = 0;
        void NewPage()
        {
            gfx?.Dispose();
            page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            page.Orientation = d.Landscape ? PdfSharp.PageOrientation.Landscape : PdfSharp.PageOrientation.Portrait;
            gfx = XGraphics.FromPdfPage(page);
            width = page.Width.Point - 2 * Margin;
            bottom = page.Height.Point - Margin - 14;
            y = Margin;
            foreach (var line in Wrap(gfx, d.Heading, heading, width))
            {
                gfx.DrawString(line, heading, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                y += heading.GetHeight() + 2;
            }
            foreach (var line in Wrap(gfx, d.Line, regular, width))
            {
                gfx.DrawString(line, regular, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                y += regular.GetHeight() * Leading;
            }
            y += 4;
            gfx.DrawLine(XPens.Gray, Margin, y, Margin + width, y);
            y += 8;
        }
        NewPage();

        var lineHeight = regular.GetHeight() * Leading;
        foreach (var section in d.Sections)
        {
            if (section.Title is { } title)
            {
                if (y + sectionTitle.GetHeight() * 2 + lineHeight > bottom)
                {
                    NewPage();
                }
                y += 4;
                gfx.DrawString(title, sectionTitle, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                y += sectionTitle.GetHeight() * Leading + 2;
            }
            if (section.Blocks.Count == 0)
            {
                gfx.DrawString(section.Empty, regular, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                y += lineHeight + 8;
            }
            foreach (var block in section.Blocks)
            {
                var lines = block.Rows
                    .Select(r => (r.Label, Lines: Wrap(gfx, r.Value is { Length: > 0 } v ? v : "—", regular, width - LabelWidth)))
                    .ToList();
                var blockHeight = lines.Sum(l => l.Lines.Count) * lineHeight + 12;
                // Keep a block on one page when it fits on a page at all.
                if (y + blockHeight > bottom && y > Margin + 60)
                {
                    NewPage();
                }
                foreach (var (label, valueLines) in lines)
                {
                    if (y + lineHeight > bottom)
                    {
                        NewPage();
                    }
                    gfx.DrawString(label, bold, XBrushes.Black, new XPoint(Margin, y), XStringFormats.TopLeft);
                    foreach (var line in valueLines)
                    {
                        if (y + lineHeight > bottom)
                        {
                            NewPage();
                        }
                        gfx.DrawString(line, regular, XBrushes.Black, new XPoint(Margin + LabelWidth, y), XStringFormats.TopLeft);
                        y += lineHeight;
                    }
                }
                y += 4;
                gfx.DrawLine(XPens.LightGray, Margin, y, Margin + width, y);
                y += 8;
            }
        }
        gfx.Dispose();

        var count = document.PageCount;
        for (var i = 0; i < count; i++)
        {
            var p = document.Pages[i];
            using var footer = XGraphics.FromPdfPage(p, XGraphicsPdfPageOptions.Append);
            footer.DrawString($"Page {i + 1} of {count}", small, XBrushes.Gray,
                new XPoint(p.Width.Point - Margin, p.Height.Point - Margin), XStringFormats.BottomRight);
        }
        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

    /// <summary>Breaks text into lines no wider than <paramref name="max"/>, at spaces where it can (line breaks in the text are kept).</summary>
    private static List<string> Wrap(XGraphics gfx, string text, XFont font, double max)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : $"{line} {word}";
                if (gfx.MeasureString(candidate, font).Width <= max)
                {
                    line = candidate;
                    continue;
                }
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
                line = word;
                // A word wider than the column is cut where it must be.
                while (line.Length > 1 && gfx.MeasureString(line, font).Width > max)
                {
                    var cut = line.Length - 1;
                    while (cut > 1 && gfx.MeasureString(line[..cut], font).Width > max)
                    {
                        cut--;
                    }
                    lines.Add(line[..cut]);
                    line = line[cut..];
                }
            }
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>PDFsharp's font resolver is process-wide and may be set only once.</summary>
    private static void EnsureFonts()
    {
        lock (FontGate)
        {
            if (GlobalFontSettings.FontResolver is not EmbeddedFonts)
            {
                GlobalFontSettings.FontResolver = new EmbeddedFonts();
            }
        }
    }
}

/// <summary>
/// Open Sans, embedded in the assembly at build time (from npm), so that the PDF needs no fonts
/// installed on the server. Every family asked for resolves to it; italic is simulated.
/// </summary>
internal sealed class EmbeddedFonts : IFontResolver
{
    public const string Family = "Open Sans";
    private const string Regular = "Chaperone.Fonts.OpenSans-Regular.ttf";
    private const string Bold = "Chaperone.Fonts.OpenSans-Bold.ttf";

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? Bold : Regular, false, italic);

    public byte[]? GetFont(string faceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(faceName);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
