using System.Text.RegularExpressions;
using Chaperone.Infrastructure;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Scheduling;

/// <summary>The body of <c>POST /api/v1/sessions</c> (and of the pre-booking check).</summary>
public sealed record BookSessionRequest(
    string? TeacherId,
    string[]? PupilIds,
    string[]? GuardianIds,
    string? Kind,
    string? Start,
    int? DurationMinutes,
    string? Provider = null);

/// <summary>The body of <c>POST /api/v1/sessions/{id}/reschedule</c>.</summary>
public sealed record RescheduleRequest(string? Start, int? DurationMinutes);

/// <summary>The body of <c>POST /api/v1/sessions/{id}/cancel</c>.</summary>
public sealed record CancelRequest(string? Reason);

/// <summary>A booking request whose fields have the right shape; the ids may still name nobody.</summary>
public sealed record ParsedBooking(
    string TeacherId,
    IReadOnlyList<string> PupilIds,
    IReadOnlyList<string> GuardianIds,
    SessionKind Kind,
    Instant Start,
    int DurationMinutes,
    string? Provider = null);

/// <summary>Field-by-field checks of request shape (400). Policy questions are left to the rules (422).</summary>
public static partial class RequestValidation
{
    public const int MaxListLength = 20;
    public const int MaxReasonLength = 2000;

    /// <summary>
    /// The years a session, a closure or a term can be in. Far enough either way for any school, and well inside what
    /// the time types can hold, so that adding a session's length to its start cannot overflow.
    /// </summary>
    public const int FirstYear = 2000, LastYear = 2999;

    public static bool IsPlausible(LocalDate date) => date.Year is >= FirstYear and <= LastYear;

    /// <summary>What to fix in a date outside <see cref="IsPlausible"/>, said on its field.</summary>
    public static string PlausibleYears => $"Give a date between the years {FirstYear} and {LastYear}.";

    // RFC 3339: a date, a time and an offset (Z or ±hh:mm). A time without an offset is ambiguous.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();

    private static readonly OffsetDateTimePattern[] Patterns =
    [
        OffsetDateTimePattern.Rfc3339,
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    public static bool TryParseInstant(string? text, out Instant instant, out string? error)
    {
        instant = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "Give the start: a date and time with its offset from UTC, like 2026-12-08T10:00:00+00:00.";
            return false;
        }
        var value = text.Trim();
        if (value.Length > 40 || !Rfc3339().IsMatch(value))
        {
            error = "Give the start as a date and time with its offset from UTC, like 2026-12-08T10:00:00+00:00 (or 2026-12-08T10:00:00Z, Z meaning UTC itself).";
            return false;
        }
        var normalised = value.Replace('t', 'T').Replace('z', 'Z');
        foreach (var pattern in Patterns)
        {
            var result = pattern.Parse(normalised);
            if (result.Success)
            {
                // The year as written is checked first: 9999-12-31T23:59:59-14:00 is in the year 10000
                // in UTC, past what an instant can hold, and would throw rather than be refused.
                if (!IsPlausible(result.Value.Date) || !IsPlausible((instant = result.Value.ToInstant()).InUtc().Date))
                {
                    error = $"The start must fall between the years {FirstYear} and {LastYear}.";
                    return false;
                }
                return true;
            }
        }
        error = "The start is not a real date and time.";
        return false;
    }

    public static Dictionary<string, string[]> CheckBooking(BookSessionRequest request, out ParsedBooking? parsed)
    {
        var errors = new Dictionary<string, string[]>();
        parsed = null;
        if (string.IsNullOrWhiteSpace(request.TeacherId))
        {
            errors["teacherId"] = ["The hosting teacher is required."];
        }
        CheckList(request.PupilIds, "pupilIds", "pupils", errors);
        CheckList(request.GuardianIds, "guardianIds", "parents and carers", errors);
        SessionKind kind = default;
        if (request.Kind is null || !TryParseKind(request.Kind, out kind))
        {
            errors["kind"] = ["Choose the kind of session: support or pastoral."];
        }
        if (!TryParseInstant(request.Start, out var start, out var startError))
        {
            errors["start"] = [startError!];
        }
        if (request.DurationMinutes is null)
        {
            errors["durationMinutes"] = ["The length in minutes is required."];
        }
        if (request.Provider is not null && request.Provider is not (CallProviders.BuiltIn or CallProviders.Teams))
        {
            errors["provider"] = ["Choose where the call is held: Chaperone's own room (builtin) or Microsoft Teams (teams)."];
        }
        if (errors.Count == 0)
        {
            parsed = new ParsedBooking(
                request.TeacherId!.Trim(), request.PupilIds!, request.GuardianIds!, kind, start, request.DurationMinutes!.Value, request.Provider);
        }
        return errors;
    }

    public static Dictionary<string, string[]> CheckReschedule(RescheduleRequest request, out Instant start, out int duration)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TryParseInstant(request.Start, out start, out var startError))
        {
            errors["start"] = [startError!];
        }
        duration = request.DurationMinutes ?? 0;
        if (request.DurationMinutes is null)
        {
            errors["durationMinutes"] = ["The length in minutes is required."];
        }
        return errors;
    }

    public static Dictionary<string, string[]> CheckCancel(CancelRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (FreeText.IsBlank(request.Reason))
        {
            errors["reason"] = ["Say why the session is cancelled; the reason goes to the family."];
        }
        else if (request.Reason.Length > MaxReasonLength)
        {
            errors["reason"] = [$"The reason can be at most {MaxReasonLength} characters."];
        }
        else if (FreeText.HasControlCharacters(request.Reason))
        {
            errors["reason"] = [FreeText.CannotKeep("The reason")];
        }
        return errors;
    }

    public static bool TryParseKind(string value, out SessionKind kind)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "support":
                kind = SessionKind.Support;
                return true;
            case "pastoral":
                kind = SessionKind.Pastoral;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    /// <summary>A list of people by id (<paramref name="who"/>: "pupils", "parents and carers"), in words for the school's office staff.</summary>
    private static void CheckList(string[]? ids, string field, string who, Dictionary<string, string[]> errors)
    {
        if (ids is null)
        {
            errors[field] = [$"Say which {who} the session is for: a list of their ids, as the school's list of {who} gives them (an empty list only where the policy allows none)."];
            return;
        }
        if (ids.Length > MaxListLength)
        {
            errors[field] = [$"A session is for at most {MaxListLength} {who}: take some out of the list."];
            return;
        }
        for (var i = 0; i < ids.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]))
            {
                errors[$"{field}[{i}]"] = [$"This one of the {who} is left empty: give their id, or take it out of the list."];
            }
        }
    }
}

public static class SessionKindNames
{
    public static string ToApi(this SessionKind kind) => kind == SessionKind.Pastoral ? "pastoral" : "support";
    public static string ToApi(this SessionStatus status) => status.ToString().ToLowerInvariant();
}
