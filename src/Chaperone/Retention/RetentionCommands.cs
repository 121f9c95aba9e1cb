using System.Globalization;
using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Policy;
using Chaperone.Recordings;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Retention;

/// <summary>What a retention command came to; refusals are values.</summary>
public abstract record RetentionOutcome
{
    public sealed record Done : RetentionOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : RetentionOutcome;
    public sealed record Missing(string Detail) : RetentionOutcome;
    public sealed record WrongState(string Detail) : RetentionOutcome;
}

/// <summary>A school's retention settings as the API and the settings page show them.</summary>
public sealed record RetentionSettingsDto(string? FaceToFaceResumedOn, DateTimeOffset? RecordingsDeletedFrom, int ConcernsYearsAfterBirth, int InterventionRecordsYears,
    int RecordingsDue, int RecordingsHeld);

/// <summary>
/// The retention commands of the API and the pages: the face-to-face date (admin), retention
/// periods (admin), and holds on recordings (the DSL). Each is audited with the change it makes.
/// </summary>
public sealed class RetentionCommands(ChaperoneDbContext db, TimeProvider clock, RetentionSignal signal)
{
    public const int MaxReason = 1000;
    public const int MaxYears = 100;

    public async Task<RetentionSettings> SettingsAsync(Guid schoolId, CancellationToken ct) =>
        await db.Set<RetentionSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct) ?? new RetentionSettings { SchoolId = schoolId };

    public async Task<RetentionSettingsDto> ViewAsync(Guid schoolId, CancellationToken ct)
    {
        var settings = await SettingsAsync(schoolId, ct);
        var zone = PolicySettings.ZoneOrDefault(await db.Schools.Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var cutoff = FaceToFaceRecordingsApplier.Cutoff(settings, zone);
        var live = db.Set<Recording>().Where(r => r.SchoolId == schoolId && r.DeletedAt == null);
        var due = cutoff is { } c ? await live.CountAsync(r => r.StartedAt < c && r.HeldAt == null, ct) : 0;
        var held = await live.CountAsync(r => r.HeldAt != null, ct);
        return new RetentionSettingsDto(settings.FaceToFaceResumedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cutoff,
            settings.ConcernsYearsAfterBirth, settings.InterventionRecordsYears, due, held);
    }

    /// <summary>Records the date face-to-face teaching resumed (clause 2); the retention job deletes on it (at once if it has passed).</summary>
    public async Task<RetentionOutcome> SetFaceToFaceDateAsync(ClaimsPrincipal user, string? date, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(date))
        {
            return Invalid("date", "Give the date face-to-face teaching resumed, as YYYY-MM-DD.");
        }
        if (!DateOnly.TryParseExact(date.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return Invalid("date", "The date must be a calendar date written YYYY-MM-DD, e.g. 2027-03-08.");
        }
        if (day.Year < 2000)
        {
            return Invalid("date", "The date must be in the year 2000 or later.");
        }
        var settings = await TrackedAsync(user.SchoolId(), ct);
        var before = settings.FaceToFaceResumedOn;
        settings.FaceToFaceResumedOn = day;
        AuditLog.Record(db, user, AuditActions.FaceToFaceDateSet, AuditSubjects.School, user.SchoolId(),
            new { from = before?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), at = clock.GetUtcNow() });
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return new RetentionOutcome.Done();
    }

    /// <summary>Sets the retention periods per record type.</summary>
    public async Task<RetentionOutcome> SetPeriodsAsync(ClaimsPrincipal user, int? concernsYearsAfterBirth, int? interventionRecordsYears, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (concernsYearsAfterBirth is not { } concerns || concerns is < 1 or > MaxYears)
        {
            errors["concernsYearsAfterBirth"] = [$"Give a whole number of years after the pupil's date of birth, 1 to {MaxYears} (the IRMS toolkit says {RetentionSettings.DefaultConcernsYearsAfterBirth})."];
        }
        if (interventionRecordsYears is not { } intervention || intervention is < 1 or > MaxYears)
        {
            errors["interventionRecordsYears"] = [$"Give a whole number of years after the session, 1 to {MaxYears} (the IRMS toolkit says {RetentionSettings.DefaultInterventionRecordsYears})."];
        }
        if (errors.Count > 0)
        {
            return new RetentionOutcome.Invalid(errors);
        }
        var settings = await TrackedAsync(user.SchoolId(), ct);
        var before = new { settings.ConcernsYearsAfterBirth, settings.InterventionRecordsYears };
        settings.ConcernsYearsAfterBirth = concernsYearsAfterBirth!.Value;
        settings.InterventionRecordsYears = interventionRecordsYears!.Value;
        AuditLog.Record(db, user, AuditActions.RetentionPeriodsChanged, AuditSubjects.School, user.SchoolId(),
            new { from = before, to = new { settings.ConcernsYearsAfterBirth, settings.InterventionRecordsYears } });
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return new RetentionOutcome.Done();
    }

    /// <summary>The DSL keeps a recording past retention, to protect a child (clause 2), giving the reason.</summary>
    public async Task<RetentionOutcome> HoldAsync(ClaimsPrincipal user, string? id, string? reason, CancellationToken ct)
    {
        if (await FindAsync(user, id, ct) is not { } recording)
        {
            return new RetentionOutcome.Missing("There is no such recording.");
        }
        var text = reason?.Trim() ?? "";
        if (FreeText.IsBlank(text))
        {
            return Invalid("reason", "Say why this recording must be kept (to protect which child, from what).");
        }
        if (text.Length > MaxReason || FreeText.HasControlCharacters(text))
        {
            return Invalid("reason", $"Keep the reason to {MaxReason} characters of ordinary text.");
        }
        if (recording.DeletedAt is not null || recording.DeletionPendingAt is not null)
        {
            return new RetentionOutcome.WrongState("This recording has already been deleted under the school's retention rules.");
        }
        recording.HeldAt = clock.GetUtcNow();
        recording.HeldById = user.UserId();
        recording.HoldReason = text;
        AuditLog.Record(db, user, AuditActions.RecordingHeld, AuditSubjects.Recording, recording.Id, new { session = recording.SessionId, reason = text });
        await db.SaveChangesAsync(ct);
        return new RetentionOutcome.Done();
    }

    /// <summary>Lifts a hold: the recording is deleted by the next run if its date has passed.</summary>
    public async Task<RetentionOutcome> LiftHoldAsync(ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        if (await FindAsync(user, id, ct) is not { } recording)
        {
            return new RetentionOutcome.Missing("There is no such recording.");
        }
        if (recording.HeldAt is null)
        {
            return new RetentionOutcome.WrongState("This recording is not on hold.");
        }
        var reason = recording.HoldReason;
        recording.HeldAt = null;
        recording.HeldById = null;
        recording.HoldReason = null;
        AuditLog.Record(db, user, AuditActions.RecordingHoldLifted, AuditSubjects.Recording, recording.Id, new { session = recording.SessionId, heldFor = reason });
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return new RetentionOutcome.Done();
    }

    private async Task<Recording?> FindAsync(ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        return Ids.TryParse(id, out var recordingId)
            ? await db.Set<Recording>().FirstOrDefaultAsync(r => r.Id == recordingId && r.SchoolId == schoolId, ct)
            : null;
    }

    private async Task<RetentionSettings> TrackedAsync(Guid schoolId, CancellationToken ct)
    {
        var settings = await db.Set<RetentionSettings>().FirstOrDefaultAsync(s => s.SchoolId == schoolId, ct);
        if (settings is null)
        {
            settings = new RetentionSettings { SchoolId = schoolId };
            db.Add(settings);
        }
        return settings;
    }

    private static RetentionOutcome.Invalid Invalid(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}
