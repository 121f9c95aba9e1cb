using Chaperone.Policy;
using Chaperone.Scheduling;
using NodaTime;

namespace Chaperone.Pages.Sessions;

/// <summary>Shows a scheduling handler's refusal on a form, the way the API would report it, field by field and clause by clause.</summary>
public static class Outcomes
{
    /// <summary>Adds the errors of a non-<see cref="SessionOutcome.Done"/> outcome; returns false for a missing session (a 404).</summary>
    public static bool Show(SessionOutcome outcome, FormErrors errors, Func<string, string> fieldOf, DateTimeZone zone)
    {
        switch (outcome)
        {
            case SessionOutcome.Invalid invalid:
                errors.AddAll(invalid.Errors, fieldOf);
                return true;
            case SessionOutcome.Missing missing when missing.Errors is { Count: > 0 }:
                errors.AddAll(missing.Errors, fieldOf);
                return true;
            case SessionOutcome.Missing:
                return false;
            case SessionOutcome.Refused refused:
                Refused(refused.Violations, errors, fieldOf);
                return true;
            case SessionOutcome.Clash clash:
                // Someone is busy then: another time (of the same day, or another's) is the way out.
                Clash(clash.Conflicts, errors, fieldOf(StartTime), zone);
                return true;
            case SessionOutcome.WrongState state:
                errors.Title = "That cannot be done to this session now";
                errors.Add("", state.Detail);
                return true;
            case SessionOutcome.Forbidden forbidden:
                errors.Title = "You cannot do this";
                errors.Add("", forbidden.Detail);
                return true;
            default:
                return true;
        }
    }

    public static void Refused(IEnumerable<Finding> violations, FormErrors errors, Func<string, string> fieldOf)
    {
        errors.Title = "The video call policy does not allow this session";
        foreach (var v in violations.OrderBy(v => v.Clause))
        {
            errors.Add(v.Field is null ? "" : fieldOf(FormField(v)), $"Clause {v.Clause} ({Clauses.Get(v.Clause).Title}): {v.Message}");
        }
    }

    /// <summary>The start's date, where a form asks for the start as a date and a time.</summary>
    public const string StartDate = "start.date";

    /// <summary>The start's time of day, where a form asks for the start as a date and a time.</summary>
    public const string StartTime = "start.time";

    /// <summary>
    /// The field a person changes to mend a finding: the API's own, but for the start, which a form
    /// asks for as a date and a time, the part at fault: the time for school hours (clause 3), the
    /// date for a day the school is shut (clause 3) and for too little notice (clause 8).
    /// </summary>
    public static string FormField(Finding v) => (v.Field, v.Rule) switch
    {
        ("start", "school-hours") => StartTime,
        ("start", _) => StartDate,
        (var field, _) => field ?? "",
    };

    public static void Clash(IEnumerable<ConflictDto> conflicts, FormErrors errors, string field, DateTimeZone zone)
    {
        errors.Title = "Someone in this session is already booked at that time";
        foreach (var c in conflicts)
        {
            errors.Add(field, $"{c.Who} ({(c.Role == "guardian" ? "parent or carer" : c.Role)}) already has a session on {Display.When(c.Start, c.End, zone)}.");
        }
    }
}
