using System.Security.Claims;
using Chaperone.Calls;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Records;

/// <summary>Clause 11: a session's record, and the record of intervention per pupil and for the school's MIS, as JSON, CSV or PDF.</summary>
public static class RecordEndpoints
{
    public static IServiceCollection AddRecords(this IServiceCollection services) => services.AddScoped<RecordOfIntervention>().AddScoped<SubjectAccess>();

    public static void MapRecords(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Records").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/sessions/{id}/record", SessionRecord).WithName("GetSessionRecord")
            .WithSummary("The session's record: consent, expectations, checklists, attendance (each join and leave), outcome and notes, exit order, recordings. The session's teacher, SLT and the DSL.");
        group.MapGet("/pupils/{id}/record-of-intervention", PupilRecord).WithName("GetPupilRecordOfIntervention")
            .WithSummary("A pupil's record of intervention over a range of days (from, to: dates in the school's zone); format=csv or pdf, JSON otherwise.");
        group.MapGet("/pupils/{id}/subject-access", SubjectAccessExport).WithName("GetSubjectAccessExport").RequireAuthorization(AuthPolicies.SubjectAccess)
            .WithSummary("Everything held about a pupil, for a subject access request: their parents and carers, every session's record, the emails sent, the audit trail with its details; concerns with includeConcerns=true (signed in with two factors); with includeRecordings=true a ZIP (application/zip) holding the export and the recordings' video and sound. Senior leaders and the DSL; each export, and each recording in one, is audited.");
        group.MapGet("/guardians/{id}/subject-access", GuardianSubjectAccessExport).WithName("GetGuardianSubjectAccessExport").RequireAuthorization(AuthPolicies.SubjectAccess)
            .WithSummary("Everything held about a parent or carer, for their own subject access request: their details, their pupils, the sessions they were invited to with the consent, checks and attendance that were theirs, the emails sent to them, the audit trail with its details; with includeRecordings=true a ZIP (application/zip) holding the export and the recordings of the sessions they joined. Senior leaders and the DSL; each export, and each recording in one, is audited.");
        group.MapGet("/record-of-intervention", SchoolRecord).WithName("GetRecordOfIntervention")
            .WithSummary("The school's record of intervention for the MIS over a range of days; format=csv or pdf, JSON otherwise. SLT, the DSL and admins.");
    }

    private static async Task<IResult> SessionRecord(string id, ClaimsPrincipal user, ChaperoneDbContext db, CallProviderResolver providers, CancellationToken ct) =>
        await SessionRecords.ReadableAsync(db, providers, user, id, ct) is { } record
            ? TypedResults.Ok(record)
            : Ids.TryParse(id, out var sessionId)
                ? await Scheduling.SessionOutcomeResults.NotVisibleAsync(db, user, sessionId, ct, RecordAccess.SessionRecordRefusal)
                : Scheduling.SessionOutcomeResults.MissingSession();

    private static async Task<IResult> SubjectAccessExport(string id, HttpContext http, ClaimsPrincipal user, SubjectAccess exports,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct, bool includeConcerns = false, bool includeRecordings = false) =>
        await exports.ForPupilAsync(user, id, includeConcerns, includeRecordings, ct) is not { } export
            ? Problems.NotFound("There is no such pupil in your school.")
            : includeRecordings
                ? await exports.DownloadAsync(http, export, export.Pupil.Name, export.Recordings, json.Value.SerializerOptions, ct)
                : TypedResults.Ok(export);

    private static async Task<IResult> GuardianSubjectAccessExport(string id, HttpContext http, ClaimsPrincipal user, SubjectAccess exports,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct, bool includeRecordings = false) =>
        await exports.ForGuardianAsync(user, id, includeRecordings, ct) is not { } export
            ? Problems.NotFound("There is no such parent or carer in your school.")
            : includeRecordings
                ? await exports.DownloadAsync(http, export, export.ParentOrCarer.Name, export.Recordings, json.Value.SerializerOptions, ct)
                : TypedResults.Ok(export);

    private static async Task<IResult> PupilRecord(string id, ClaimsPrincipal user, RecordOfIntervention records, CancellationToken ct, string? from = null, string? to = null, string? term = null, string? format = null) =>
        Answer(FormatError(format) ?? await records.ForPupilAsync(user, id, from, to, term, ct), format);

    private static async Task<IResult> SchoolRecord(ClaimsPrincipal user, RecordOfIntervention records, CancellationToken ct, string? from = null, string? to = null, string? term = null, string? format = null) =>
        Answer(FormatError(format) ?? await records.ForSchoolAsync(user, from, to, term, ct), format);

    private static RecordOfIntervention.Result.Invalid? FormatError(string? format) =>
        format is null or "csv" or "pdf" or "json"
            ? null
            : new RecordOfIntervention.Result.Invalid(new() { ["format"] = ["'format' is csv or pdf (or leave it out for JSON)."] });

    private static IResult Answer(RecordOfIntervention.Result result, string? format) => result switch
    {
        RecordOfIntervention.Result.Ok { Report: var report } => format switch
        {
            "csv" => TypedResults.File(InterventionCsv.Write(report.Rows), InterventionCsv.ContentType, FileName(report, "csv")),
            "pdf" => TypedResults.File(InterventionPdf.Write(report), InterventionPdf.ContentType, FileName(report, "pdf")),
            _ => TypedResults.Ok(new
            {
                school = report.School,
                pupil = report.Pupil is null ? null : new { id = report.PupilId, name = report.Pupil },
                term = report.Term,
                from = Pages.Display.Iso(report.Range.From),
                to = Pages.Display.Iso(report.Range.To),
                timeZone = report.TimeZone,
                columns = InterventionRow.Columns.Select(c => c.Header),
                rows = report.Rows,
            }),
        },
        RecordOfIntervention.Result.Invalid invalid => Problems.Validation(invalid.Errors),
        RecordOfIntervention.Result.Forbidden forbidden => TypedResults.Problem(forbidden.Detail, statusCode: StatusCodes.Status403Forbidden,
            title: "You cannot read this record.", type: "https://chaperone.school/problems/forbidden"),
        _ => Problems.NotFound("There is no such pupil in your school."),
    };

    /// <summary>"record-of-intervention-toby-twoparents-2026-09-01-2026-12-04.csv": letters and digits only, so any system takes it.</summary>
    public static string FileName(InterventionReport report, string extension)
    {
        var who = report.Pupil is null ? "school" : FileNamePart(report.Pupil);
        return $"record-of-intervention-{who}-{Pages.Display.Iso(report.Range.From)}-{Pages.Display.Iso(report.Range.To)}.{extension}";
    }

    /// <summary>A name as part of a file name: "toby-twoparents", letters and digits only, so any system takes it.</summary>
    public static string FileNamePart(string name) =>
        new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
}
