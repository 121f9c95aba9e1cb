using System.Globalization;
using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Audit;

/// <summary>One audit entry as the API and the admin's page show it.</summary>
public sealed record AuditEntryDto(
    string Id, long? Position, DateTimeOffset At, string? ActorId, string ActorName, string Action,
    string SubjectType, string? SubjectId, string? Details, bool Sealed);

public sealed record AuditPage(IReadOnlyList<AuditEntryDto> Items, int Page, int PageSize, int Total);

/// <summary>What to look for in the audit trail. Every part is optional.</summary>
/// <param name="Actor">Part of the actor's name, or a member of staff's id.</param>
/// <param name="Action">An action exactly (<c>session.booked</c>) or its kind (<c>session</c>).</param>
public sealed record AuditFilter(DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? Action, string? SubjectType, string? SubjectId)
{
    public const int MaxPageSize = 200;

    /// <summary>Reads the filter as the API and the page take it; dates are the school's days. Errors are keyed by parameter name.</summary>
    public static AuditFilter Parse(string? from, string? to, string? actor, string? action, string? subjectType, string? subjectId,
        NodaTime.DateTimeZone zone, Dictionary<string, string[]> errors)
    {
        string? Text(string? value, string field, int max)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }
            if (value.Length > max || FreeText.HasControlCharacters(value))
            {
                errors[field] = [$"At most {max} characters, without control characters."];
                return null;
            }
            return value.Trim();
        }
        var filter = new AuditFilter(
            SessionEndpoints.ParseBound(from, "from", zone, errors, endOfDay: false),
            SessionEndpoints.ParseBound(to, "to", zone, errors, endOfDay: true),
            Text(actor, "actor", AuditLog.MaxText),
            Text(action, "action", 64),
            Text(subjectType, "subjectType", 32),
            Text(subjectId, "subjectId", 64));
        if (filter.From is { } f && filter.To is { } t && t < f)
        {
            errors["to"] = ["'to' cannot be before 'from'."];
        }
        return filter;
    }

    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> entries)
    {
        if (From is { } from) { entries = entries.Where(e => e.At >= from); }
        if (To is { } to) { entries = entries.Where(e => e.At < to); }
        if (Actor is { } actor)
        {
            if (Ids.TryParse(actor, out var actorId))
            {
                entries = entries.Where(e => e.ActorId == actorId);
            }
            else
            {
                // Translated to SQL (lower() on both databases); the analyzer's overload would not translate.
#pragma warning disable CA1862
                var lower = actor.ToLowerInvariant();
                entries = entries.Where(e => e.ActorName.ToLower().Contains(lower));
#pragma warning restore CA1862
            }
        }
        if (Action is { } action)
        {
            var kind = action + ".";
            entries = entries.Where(e => e.Action == action || e.Action.StartsWith(kind));
        }
        if (SubjectType is { } type) { entries = entries.Where(e => e.SubjectType == type); }
        if (SubjectId is { } id) { entries = entries.Where(e => e.SubjectId == id); }
        return entries;
    }
}

/// <summary>The audit trail's API: search it and verify it (admins of the school).</summary>
public static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit").RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/", Search).WithName("SearchAudit")
            .WithSummary("A page of the school's audit trail, newest first, by date range, actor, action and subject (admin).");
        group.MapGet("/verify", Verify).WithName("VerifyAudit")
            .WithSummary("Recomputes the school's audit hash chain and reports whether any entry was changed, removed or reordered (admin).");
    }

    private static async Task<Ok<AuditVerification>> Verify(ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await AuditVerifier.VerifyAsync(db, user.SchoolId(), clock.GetUtcNow(), ct));

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> Search(
        ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct,
        string? from = null, string? to = null, string? actor = null, string? action = null, string? subjectType = null, string? subjectId = null,
        int? page = null, int? pageSize = null)
    {
        var schoolId = user.SchoolId();
        var errors = new Dictionary<string, string[]>();
        var zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstAsync(ct));
        var filter = AuditFilter.Parse(from, to, actor, action, subjectType, subjectId, zone, errors);
        var pageNumber = page ?? 1;
        var size = pageSize ?? 50;
        if (pageNumber is < 1 or > 1_000_000) { errors["page"] = ["Pages start at 1."]; }
        if (size is < 1 or > AuditFilter.MaxPageSize) { errors["pageSize"] = [$"A page holds 1 to {AuditFilter.MaxPageSize} entries."]; }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return TypedResults.Ok(await SearchAsync(db, schoolId, filter, pageNumber, size, ConfidentialDetails.ReadsAll(user), ct));
    }

    /// <summary>A page of the school's entries that match, newest first, with what only the DSL reads withheld unless <paramref name="readsAll"/>.</summary>
    public static async Task<AuditPage> SearchAsync(ChaperoneDbContext db, Guid schoolId, AuditFilter filter, int page, int pageSize, bool readsAll, CancellationToken ct)
    {
        var query = filter.Apply(db.AuditEntries.AsNoTracking().Where(e => e.SchoolId == schoolId));
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(e => e.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new AuditPage(items.Select(e => ToDto(e, readsAll)).ToList(), page, pageSize, total);
    }

    public static AuditEntryDto ToDto(AuditEntry e, bool readsAll) => new(
        e.Id.ToString(CultureInfo.InvariantCulture), e.Position, e.At, e.ActorId is { } a ? Ids.Format(a) : null, e.ActorName, e.Action,
        e.SubjectType, e.SubjectId, ConfidentialDetails.Shown(e.Action, e.Details, readsAll), e.Hash is not null);
}
