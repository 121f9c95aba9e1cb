using System.Text.RegularExpressions;

namespace Chaperone.Records;

/// <summary>
/// Other children's names taken out of free text (a concern's words, a session's notes, an email's
/// subject) that is about one pupil, for a document that leaves the school with that pupil's data
/// only: a subject access export, a child protection file sent on. Each other child's whole name
/// becomes <see cref="Shown"/>, in any case and with any spacing between its words; so does their
/// first name alone, as staff write it ("Toby said…"), as a whole word with its capital or in
/// capitals (not in lower case, where many first names are words the text needs: will, may,
/// grace), unless the pupil's own name holds the same word (two Avas: it cannot be told whose). The pupil's own
/// name stays. Names are found longest first, so one name inside another (Ava Sibling within Ava
/// Sibling-Jones) is taken as the longer; never inside a longer word (Tom is not taken from Tomas).
/// Surnames alone are not taken out: a family name is also a parent's and the pupil's own.
/// </summary>
public sealed class NameRedaction
{
    private readonly Regex? _names;
    private readonly string[] _shown;

    /// <summary>What each other child's name becomes ("another child").</summary>
    public string Shown { get; }

    private NameRedaction(Regex? names, string[] shown, string shownAs) => (_names, _shown, Shown) = (names, shown, shownAs);

    /// <summary>Redacts the <paramref name="others"/>' names as <paramref name="shown"/>, keeping <paramref name="own"/>.</summary>
    public static NameRedaction Of(IEnumerable<string> others, string own, string shown) => Of(others, [own], shown);

    /// <summary>
    /// Redacts the <paramref name="others"/>' names as <paramref name="shown"/>, keeping each of
    /// <paramref name="owns"/> (a parent's export: each of their own children).
    /// </summary>
    public static NameRedaction Of(IEnumerable<string> others, IReadOnlyCollection<string> owns, string shown)
    {
        var ownNames = owns.Select(o => o.Trim()).Where(o => o.Length > 0).ToList();
        var ownWords = ownNames.SelectMany(Words).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // (pattern, case-insensitive, what it becomes: null keeps what was written)
        var terms = new List<(string Text, bool AnyCase, string? Shown)>();
        foreach (var name in others.Select(n => n.Trim()).Where(n => n.Length > 0 && !ownNames.Contains(n, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            terms.Add((name, true, shown));
            if (Words(name) is [var first, _, ..] && first.Length > 1 && !ownWords.Contains(first))
            {
                // As written in the roster, with a capital, or in capitals: not in lower case, where a
                // first name is often a word (Will, May, Grace) that the text needs.
                foreach (var form in new[] { first, char.ToUpperInvariant(first[0]) + first[1..], first.ToUpperInvariant() }.Distinct(StringComparer.Ordinal))
                {
                    terms.Add((form, false, shown));
                }
            }
        }
        if (terms.Count == 0)
        {
            return new NameRedaction(null, [], shown);
        }
        terms.AddRange(ownNames.Select(own => (own, true, (string?)null)));
        terms = [.. terms.DistinctBy(t => (t.Text, t.AnyCase)).OrderByDescending(t => t.Text.Length)];
        var alternatives = terms.Select((t, i) =>
        {
            var literal = string.Join(@"\s+", Words(t.Text).Select(Regex.Escape));
            return $"(?<n{i}>{(t.AnyCase ? $"(?i:{literal})" : literal)})";
        });
        // Not inside a longer word: no letter, mark or digit either side.
        var pattern = $@"(?<![\p{{L}}\p{{M}}\p{{N}}])(?:{string.Join('|', alternatives)})(?![\p{{L}}\p{{M}}\p{{N}}])";
        return new NameRedaction(new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(2)),
            [.. terms.Select(t => t.Shown ?? "")], shown);
    }

    /// <summary>Whether there is any name to take out.</summary>
    public bool Any => _names is not null;

    /// <summary>The text with the other children's names taken out; null stays null.</summary>
    public string? Apply(string? text)
    {
        if (_names is null || string.IsNullOrEmpty(text))
        {
            return text;
        }
        return _names.Replace(text, m =>
        {
            for (var i = 0; i < _shown.Length; i++)
            {
                if (m.Groups[$"n{i}"].Success)
                {
                    return _shown[i].Length == 0 ? m.Value : _shown[i];
                }
            }
            return m.Value;
        });
    }

    /// <summary>"another child", "2 other children": the children a record is also about, unnamed; null for none.</summary>
    public static string? OthersText(int count) => count switch
    {
        <= 0 => null,
        1 => "another child",
        _ => $"{count} other children",
    };

    private static string[] Words(string name) => name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
