using System.Globalization;
using Chaperone.Pages;
using Chaperone.Scheduling;
using NodaTime;

namespace Chaperone.Records;

/// <summary>
/// One line of the record of intervention (clause 11): one session for one pupil, every value
/// written out as a person reads it, times in the school's zone. The CSV, the PDF and the pages all
/// take their columns from <see cref="Columns"/>, so a new field is one property and one column.
/// </summary>
public sealed record InterventionRow(
    string SessionId,
    string PupilId,
    string Pupil,
    string Date,
    string Time,
    string Duration,
    string Teacher,
    string Kind,
    string Status,
    string Attended,
    string Consent,
    string Expectations,
    string Outcome,
    string Notes,
    string ConcernsRaised,
    string FamilySaidCannotCome = "")
{
    /// <summary>The columns in order, with the header names the MIS import relies on (documented in the README: keep them stable).</summary>
    public static IReadOnlyList<InterventionColumn> Columns { get; } =
    [
        new("Date", r => r.Date),
        new("Time", r => r.Time),
        new("Duration (minutes)", r => r.Duration),
        new("Pupil", r => r.Pupil),
        new("Pupil id", r => r.PupilId),
        new("Teacher", r => r.Teacher),
        new("Kind", r => r.Kind),
        new("Status", r => r.Status),
        new("Attended (joined and left)", r => r.Attended),
        new("Consent", r => r.Consent),
        new("Expectations given", r => r.Expectations),
        new("Outcome", r => r.Outcome),
        new("Notes", r => r.Notes),
        new("Session id", r => r.SessionId),
        new("Concerns raised", r => r.ConcernsRaised),
        new("Family said they could not come", r => r.FamilySaidCannotCome),
    ];

    /// <summary>
    /// The row of <paramref name="pupil"/> in <paramref name="loaded"/>, written in <paramref name="zone"/>;
    /// <paramref name="concerns"/> are the references of the concerns raised about the session that involve the pupil.
    /// </summary>
    public static InterventionRow From(LoadedSession loaded, Scheduling.PersonRef pupil, DateTimeZone zone, IReadOnlyList<string> concerns)
    {
        var (s, f) = (loaded.Session, loaded.Facts);
        var start = Local(s.Start, zone);
        var end = Local(s.End, zone);
        return new InterventionRow(
            s.Id,
            pupil.Id,
            pupil.Name,
            Display.Day(start.Date),
            $"{Display.Time(start.TimeOfDay)}–{Display.Time(end.TimeOfDay)}",
            f.Ran is { } ran ? Math.Round(ran.TotalMinutes).ToString(CultureInfo.InvariantCulture) : "",
            s.Teacher.Name,
            Display.KindLabel(s.Kind),
            Display.StatusLabel(s.Status),
            AttendedText(f.Attendance, zone),
            s.Provider == CallProviders.Teams
                ? TeamsConsentText(f.ConsentFor(pupil.Id), f.Outcome?.Confirmed ?? [], f.Outcome?.RecordedAt, pupil.Id, zone)
                : ConsentText(f.ConsentFor(pupil.Id), zone),
            ExpectationsText(s.Provider, f.Expectations, f.Outcome?.Confirmed ?? [], f.Outcome?.RecordedAt, zone),
            OutcomeLabel(f.Outcome?.Outcome),
            f.Outcome?.Notes ?? "",
            string.Join("; ", concerns),
            CannotComeText(loaded.CannotCome.Where(c => c.PupilIds.Contains(pupil.Id)), zone));
    }

    /// <summary>Who said beforehand, on their page, that they could not come, when, and what they wrote (on one line).</summary>
    public static string CannotComeText(IEnumerable<Families.CannotComeFact> said, DateTimeZone zone) =>
        string.Join("; ", said.Select(c => $"{c.GuardianName} ({c.Relationship}), {Display.At(c.At, zone)}"
            + (c.Message is { } words ? $": {string.Join(' ', words.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))}" : "")));

    public static string AttendedText(IReadOnlyList<Presence> attendance, DateTimeZone zone) =>
        attendance.Count == 0
            ? "Nobody joined"
            : string.Join("; ", attendance.Select(p =>
                $"{p.Name} ({RoleLabel(p.Role)}) " + string.Join(", ", p.Stays.Select(st =>
                    $"joined {Clock(st.Joined, zone)}, " + (st.Left is { } left ? $"left {Clock(left, zone)}" : "no leaving recorded")))));

    public static string ConsentText(ConsentFact? consent, DateTimeZone zone) =>
        consent is null
            ? "No consent recorded"
            : Given(consent, zone)
              + (consent.ConfirmedAt is { } confirmed ? $"; confirmed by the teacher at {Clock(confirmed, zone)}" : "; not confirmed by the teacher");

    /// <summary>Who gave a consent, when and how.</summary>
    private static string Given(ConsentFact consent, DateTimeZone zone) =>
        $"Given by {consent.GuardianName} ({consent.Relationship}{(consent.ParentalResponsibility ? ", parental responsibility" : "")}) at {Clock(consent.GivenAt, zone)}, "
        + (consent.How == Calls.ConsentText.OnFamilyPage ? "on their page for the call, before joining the Teams meeting" : "on their own device in the call");

    /// <summary>
    /// Clause 1 for one child of a Teams call: Teams records no consent, so the teacher confirms it
    /// with the outcome (<paramref name="confirmed"/>, recorded at <paramref name="recordedAt"/>),
    /// after the parent's own consent on their page for the call (<paramref name="given"/>) if they gave it there.
    /// </summary>
    public static string TeamsConsentText(ConsentFact? given, IReadOnlyCollection<string> confirmed, DateTimeOffset? recordedAt, string pupilId, DateTimeZone zone)
    {
        var confirmedByTeacher = recordedAt is { } at && Calls.RecordOutcome.ConsentConfirmedFor(confirmed, pupilId);
        if (given is not null)
        {
            return Given(given, zone) + (recordedAt is not { } when
                ? "; not yet confirmed by the teacher (in a Teams call they confirm it with the outcome)"
                : confirmedByTeacher ? $"; confirmed by the teacher with the outcome, recorded {Display.At(when, zone)}" : "; not confirmed by the teacher");
        }
        return recordedAt is not { } recorded
            ? "Not yet confirmed (in a Teams call the teacher confirms it with the outcome)"
            : confirmedByTeacher
                ? $"Confirmed by the teacher with the outcome, recorded {Display.At(recorded, zone)} (Teams records no consent itself)"
                : "Not confirmed by the teacher";
    }

    /// <summary>
    /// Clause 7 as the records read it: what the built-in room recorded (<paramref name="given"/>),
    /// or in a Teams call, which records none, the teacher's confirmation with the outcome.
    /// </summary>
    public static string ExpectationsText(string provider, ExpectationsFact? given, IReadOnlyCollection<string> confirmed, DateTimeOffset? recordedAt, DateTimeZone zone) =>
        provider == CallProviders.Teams ? TeamsExpectationsText(confirmed, recordedAt, zone) : ExpectationsText(given, zone);

    /// <summary>Clause 7 for a Teams call: confirmed by the teacher with the outcome, as Teams records none.</summary>
    private static string TeamsExpectationsText(IReadOnlyCollection<string> confirmed, DateTimeOffset? recordedAt, DateTimeZone zone) =>
        recordedAt is not { } at
            ? "Not yet confirmed (in a Teams call the teacher confirms it with the outcome)"
            : confirmed.Contains(Calls.RecordOutcome.ExpectationsKey)
                ? $"Confirmed by the teacher with the outcome, recorded {Display.At(at, zone)}"
                : "Not confirmed by the teacher";

    private static string ExpectationsText(ExpectationsFact? given, DateTimeZone zone) =>
        given is null
            ? "Not given"
            : $"{(given.Version == "full" ? "Full expectations (first session with this teacher)" : "Brief reminder")} at {Clock(given.GivenAt, zone)}";

    public static string OutcomeLabel(string? outcome) => outcome switch
    {
        null => "Not recorded",
        "completed" => "Completed",
        "cut-short" => "Cut short",
        "did-not-attend" => "Did not attend",
        _ => outcome,
    };

    public static string RoleLabel(string role) => role switch
    {
        "teacher" => "teacher",
        "guardian" => "parent or carer",
        _ => "not invited",
    };

    /// <summary>"10:02" in the school's zone.</summary>
    public static string Clock(DateTimeOffset instant, DateTimeZone zone) => Display.Time(Local(instant, zone).TimeOfDay);

    private static LocalDateTime Local(DateTimeOffset instant, DateTimeZone zone) => Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;
}

/// <summary>One column of the record of intervention: its header and how a row gives its value.</summary>
public sealed record InterventionColumn(string Header, Func<InterventionRow, string> Value);
