using System.Security.Claims;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Families;

/// <summary>One guardian's link to a session, for staff helping a parent who lost the email. <c>url</c> is null when the link no longer opens.</summary>
/// <param name="CannotCome">When they told the school, on their page, that they cannot come at the session's time, and what they wrote; null if they have not.</param>
public sealed record FamilyLinkDto(string GuardianId, string Name, string Relationship, string? Email, string? Url, FamilyChecklistAnswerDto? Checklist, FamilyCannotComeDto? CannotCome = null);

/// <summary>What a guardian confirmed, and when (null if they have not answered).</summary>
public sealed record FamilyChecklistAnswerDto(DateTimeOffset AnsweredAt, IReadOnlyList<FamilyChecklistItemDto> Items);

/// <summary>The family links of a session. <c>closedBecause</c> says why they no longer open (cancelled, over).</summary>
public sealed record FamilyLinksDto(string SessionId, DateTimeOffset ExpiresAt, string? ClosedBecause, IReadOnlyList<FamilyLinkDto> Guardians);

/// <summary>
/// The family API (the guardian's token instead of a sign-in, rate-limited per client address),
/// the staff's view of a session's links, and the privacy headers of every family address.
/// </summary>
public static class FamilyEndpoints
{
    private const string TypeGone = "https://chaperone.school/problems/gone";

    public static void MapFamily(this IEndpointRouteBuilder app)
    {
        var family = app.MapGroup("/api/v1/family").WithTags("Families").AllowAnonymous().RequireRateLimiting(RateLimits.Family);
        family.MapGet("/{token}", Get).WithName("GetFamilySession")
            .WithSummary("The session as the family sees it, through the guardian's link (no account; 404 unknown link, 410 cancelled or over).");
        family.MapPut("/{token}/checklist", PutChecklist).WithName("SaveFamilyChecklist")
            .WithSummary("Save the guardian's room and dress checklist (clauses 9 and 10): the keys of the items ticked.");
        family.MapPost("/{token}/consent", PostConsent).WithName("GiveFamilyConsent")
            .WithSummary("A Teams session only (clause 1): a parent with parental responsibility gives consent at the start, in the words of `consent.text`, before the page gives the meeting's link (400 on the consent field when they cannot, or not yet).");
        family.MapPost("/{token}/cannot-come", PostCannotCome).WithName("SayFamilyCannotCome")
            .WithSummary("Tell the school this family cannot come, until the start, with an optional `message` for the teacher (up to 1,000 characters); the teacher is emailed. Sending it again replaces the message.");
        family.MapDelete("/{token}/cannot-come", DeleteCannotCome).WithName("SayFamilyCanCome")
            .WithSummary("Take back 'cannot come', until the start: the family can come after all, and the teacher is emailed.");

        app.MapGet("/family/{token}/calendar.ics", Calendar).WithTags("Families").AllowAnonymous().RequireRateLimiting(RateLimits.Family)
            .WithName("FamilyCalendar").WithSummary("The session as a calendar file (iCalendar), for a family to add to their calendar: the same event as their emailed invite (UID and SEQUENCE), so a calendar that has both shows it once. Once the link no longer opens, a problem (410 or 404), or for a browser asking for a page (`Accept: text/html`) a redirect to the family's page, which says why.");

        app.MapGet("/api/v1/sessions/{id}/family-links", Links).WithTags("Families").RequireAuthorization(AuthPolicies.Staff)
            .WithName("GetFamilyLinks").WithSummary("Each invited guardian's link and checklist answers (the session's teacher, senior leaders, admins).");
    }

    private static async Task<IResult> Get(string token, OpenFamilyLink handler, CancellationToken ct) =>
        ToResult(await handler.OpenAsync(token, ct));

    private static async Task<IResult> PutChecklist(string token, FamilyChecklistRequest request, OpenFamilyLink handler, CancellationToken ct) =>
        ToResult(await handler.SaveChecklistAsync(token, request, ct));

    private static async Task<IResult> PostConsent(string token, OpenFamilyLink handler, CancellationToken ct) =>
        ToResult(await handler.GiveConsentAsync(token, ct));

    private static async Task<IResult> PostCannotCome(string token, FamilyCannotComeRequest? request, OpenFamilyLink handler, CancellationToken ct) =>
        ToResult(await handler.SayCannotComeAsync(token, cannotCome: true, request?.Message, ct));

    private static async Task<IResult> DeleteCannotCome(string token, OpenFamilyLink handler, CancellationToken ct) =>
        ToResult(await handler.SayCannotComeAsync(token, cannotCome: false, null, ct));

    /// <summary>
    /// The calendar file, or, once the link no longer opens, its problem for a client that asks for
    /// data; a person's browser (asking for a page) is sent to the family's page, which says why in
    /// words (410 or 404, naming nobody), instead of being shown the problem's JSON.
    /// </summary>
    private static async Task<IResult> Calendar(string token, HttpRequest request, OpenFamilyLink handler, CancellationToken ct)
    {
        var outcome = await handler.OpenAsync(token, ct);
        if (outcome is FamilyLinkOutcome.Open open)
        {
            return Results.File(System.Text.Encoding.UTF8.GetBytes(await handler.CalendarAsync(open, ct)), "text/calendar; charset=utf-8", "video-call.ics");
        }
        return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            ? Results.LocalRedirect($"/family/{Uri.EscapeDataString(token)}")
            : ToResult(outcome);
    }

    private static IResult ToResult(FamilyLinkOutcome outcome) => outcome switch
    {
        FamilyLinkOutcome.Open open => TypedResults.Ok(open.Session),
        FamilyLinkOutcome.Invalid invalid => Problems.Validation(invalid.Errors),
        FamilyLinkOutcome.Cancelled => Gone(FamilyClosed.CancelledText),
        FamilyLinkOutcome.Expired => Gone(FamilyClosed.ExpiredText),
        _ => Problems.NotFound(FamilyClosed.UnknownText),
    };

    private static ProblemHttpResult Gone(string detail) => TypedResults.Problem(new ProblemDetails
    {
        Type = TypeGone,
        Title = "This link no longer opens.",
        Status = StatusCodes.Status410Gone,
        Detail = detail,
    });

    private static async Task<IResult> Links(string id, ClaimsPrincipal user, ChaperoneDbContext db, FamilyLinks links, TimeProvider clock, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        if (!SchedulingAccess.MayManageFor(user, session.TeacherId))
        {
            return TypedResults.Problem(detail: "Only the session's teacher or a senior leader can hand out its family links.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.");
        }
        return TypedResults.Ok(await LinksForStaffAsync(db, links, clock, session, ct));
    }

    /// <summary>The guardians of a session with their links (while they open) and their latest checklist answers.</summary>
    public static async Task<FamilyLinksDto> LinksForStaffAsync(ChaperoneDbContext db, FamilyLinks links, TimeProvider clock, Session session, CancellationToken ct)
    {
        var expiresAt = OpenFamilyLink.ExpiresAt(session);
        string? closed = session.Status == SessionStatus.Cancelled ? "cancelled" : clock.GetUtcNow() >= expiresAt ? "over" : null;
        var guardians = await db.SessionGuardians.AsNoTracking()
            .Where(sg => sg.SessionId == session.Id && sg.SchoolId == session.SchoolId)
            .Join(db.Guardians, sg => sg.GuardianId, g => g.Id, (sg, g) => new
            {
                g.Id, g.Name, g.Relationship, g.Email,
                Linked = db.PupilGuardians.Any(pg => pg.GuardianId == g.Id && pg.SchoolId == session.SchoolId
                    && db.SessionPupils.Any(sp => sp.SessionId == session.Id && sp.PupilId == pg.PupilId)),
            })
            .ToListAsync(ct);
        var answers = await FamilyChecklist.LatestAsync(db, session.SchoolId, session.Id, ct);
        var cannotCome = await FamilyAbsence.CurrentAsync(db, session.SchoolId, session.Id, session.Sequence, ct);
        return new FamilyLinksDto(
            Ids.Format(session.Id),
            expiresAt.ToUniversalTime(),
            closed,
            guardians.OrderBy(g => g.Name).Select(g => new FamilyLinkDto(
                Ids.Format(g.Id), g.Name, g.Relationship, g.Email,
                closed is null && g.Linked ? links.UrlFor(session.Id, g.Id).ToString() : null,
                answers.TryGetValue(g.Id, out var a)
                    ? new FamilyChecklistAnswerDto(a.AnsweredAt.ToUniversalTime(), FamilyChecklist.Items.Select(i => new FamilyChecklistItemDto(i.Key, i.Clause, i.Text, a.Ticked.Contains(i.Key))).ToList())
                    : null,
                cannotCome.GetValueOrDefault(g.Id))).ToList());
    }

    /// <summary>
    /// Family pages carry their token in the address: keep it out of referrers, caches and search
    /// engines, and let only this site's own page use the camera and microphone.
    /// </summary>
    public static IApplicationBuilder UseFamilyPrivacy(this IApplicationBuilder app) =>
        app.UseWhen(c => IsFamilyPath(c.Request.Path), family => family.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            // Pages with a form get "no-cache, no-store" from antiforgery; the others, here.
            context.Response.OnStarting(() =>
            {
                if (string.IsNullOrEmpty(headers.CacheControl))
                {
                    headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
            headers["Referrer-Policy"] = "no-referrer";
            headers["X-Robots-Tag"] = "noindex, nofollow";
            headers["Permissions-Policy"] = "camera=(self), microphone=(self)";
            return next(context);
        }));

    public static bool IsFamilyPath(PathString path) =>
        path.StartsWithSegments("/family") || path.StartsWithSegments("/api/v1/family");
}

/// <summary>What a closed family link says: nothing about any session or person.</summary>
public static class FamilyClosed
{
    public const string UnknownText = "This link does not open anything. Check that the whole address from the school's email was copied, or ask the school for a new link.";
    public const string CancelledText = "This session was cancelled by the school.";
    public const string ExpiredText = "This link has expired: the session it was for is over.";
}
