namespace Chaperone.Schools;

/// <summary>
/// How families reach the school office: an email address and a phone number, each optional. The
/// emails and the family's page give them wherever they tell a family to contact the office; with
/// neither set they say only that, as before.
/// </summary>
public sealed record SchoolContact(string? Email, string? Phone)
{
    public const int MaxEmail = 254;
    public const int MaxPhone = 40;

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
        if (phoneToStore is not null && (phoneToStore.Length > MaxPhone || !People.ManagePeople.IsPhoneText(phoneToStore) || phoneToStore.Count(char.IsAsciiDigit) < 6))
        {
            errors["officePhone"] = ["Give the office's phone number in digits and spaces, e.g. 01726 890000, or leave it empty."];
        }
        return errors;
    }
}
