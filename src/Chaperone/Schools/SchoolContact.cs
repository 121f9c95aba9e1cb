using System.Text.RegularExpressions;

namespace Chaperone.Schools;

/// <summary>
/// How families reach the school office: an email address and a phone number, each optional. The
/// emails and the family's page give them wherever they tell a family to contact the office; with
/// neither set they say only that, as before.
/// </summary>
public sealed record SchoolContact(string? Email, string? Phone)
{
    public const int MaxEmail = 254;
    public const int MaxPhone = People.ManagePeople.MaxPhone;

    /// <summary>The contact of these stored values, or null when neither is set.</summary>
    public static SchoolContact? Of(string? email, string? phone) => email is null && phone is null ? null : new(email, phone);

    /// <summary>"email office@school.org.uk or call 01726 890000", "email …", or "call …".</summary>
    public string HowTo => (Email, Phone) switch
    {
        ({ } e, { } p) => $"email {e} or call {p}",
        ({ } e, null) => $"email {e}",
        (null, { } p) => $"call {p}",
        _ => "",
    };

    /// <summary>"To contact the school office, email office@school.org.uk or call 01726 890000."</summary>
    public string Sentence => $"To contact the school office, {HowTo}.";

    /// <summary>
    /// The office as a family's email's closing words name it: "the school office", "the office"
    /// (not a word like "officer", nor the name in an address such as office@school.org.uk).
    /// </summary>
    private static readonly Regex OfficeMention = new(@"(?<![\w.@+-])(?:school\s+)?office(?![\w@+-]|\.\w)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// The closing paragraphs of a family's email, <paramref name="closing"/> (the school's words or
    /// the default) with how to contact the office: when the closing already asks them to contact
    /// the office ("please contact the school office."), the details join it there ("please contact
    /// the school office (email … or call …)."), rather than a second sentence saying it again;
    /// otherwise <see cref="Sentence"/> follows it. An address or number the closing already gives is not given twice.
    /// </summary>
    public IReadOnlyList<string> AfterClosing(string closing)
    {
        var missing = new SchoolContact(
            Email is { } e && !closing.Contains(e, StringComparison.OrdinalIgnoreCase) ? e : null,
            Phone is { } p && !closing.Contains(p, StringComparison.Ordinal) ? p : null);
        if (missing is { Email: null, Phone: null })
        {
            return [closing];
        }
        var mention = OfficeMention.Match(closing);
        if (!mention.Success)
        {
            return [closing, missing.Sentence];
        }
        var at = mention.Index + mention.Length;
        return [$"{closing[..at]} ({missing.HowTo}){closing[at..]}"];
    }

    /// <summary>
    /// Checks proposed office details (null leaves one unchanged, empty clears it) by field
    /// (<c>officeEmail</c>, <c>officePhone</c>): an address as every other address the app takes
    /// (<see cref="People.ManagePeople.IsEmail"/>), a phone number of digits and spaces with at
    /// least six digits. Answers the trimmed values to store.
    /// </summary>
    public static Dictionary<string, string[]> Check(string? email, string? phone, out string? emailToStore, out string? phoneToStore)
    {
        var errors = new Dictionary<string, string[]>();
        emailToStore = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        phoneToStore = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
        if (emailToStore is not null && !People.ManagePeople.IsEmail(emailToStore))
        {
            errors["officeEmail"] = ["Give the office's email address, e.g. office@school.org.uk, or leave it empty."];
        }
        if (phoneToStore is not null && !People.ManagePeople.IsPhone(phoneToStore))
        {
            errors["officePhone"] = ["Give the office's phone number in digits and spaces, e.g. 01726 890000, or leave it empty."];
        }
        return errors;
    }
}
