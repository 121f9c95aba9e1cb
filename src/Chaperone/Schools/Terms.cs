using System.Globalization;
using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;
using NodaTime.Text;

namespace Chaperone.Schools;

/// <summary>
/// One of the school's terms (Autumn 1, Spring 2…), set by the admin: the record of intervention
/// is read and exported per term (clause 11). Days between terms are holidays only if the admin
/// adds them as closures: terms do not decide when sessions may be booked.
/// </summary>
public sealed class Term
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public required string Name { get; set; }
    public DateOnly FirstDay { get; set; }
    public DateOnly LastDay { get; set; }
}

internal sealed class TermConfiguration : IEntityTypeConfiguration<Term>
{
    public void Configure(EntityTypeBuilder<Term> b)
    {
        b.ToTable("Terms");
        b.HasKey(t => t.Id);
        b.Property(t => t.Name).HasMaxLength(TermRule.MaxName);
        b.HasIndex(t => new { t.SchoolId, t.FirstDay });
        b.HasOne<School>().WithMany().HasForeignKey(t => t.SchoolId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed record TermRequest(string? Name, string? FirstDay, string? LastDay);

public sealed record TermDto(string Id, string Name, string FirstDay, string LastDay)
{
    public static TermDto Of(Term t) => new(Ids.Format(t.Id), t.Name, Iso(t.FirstDay), Iso(t.LastDay));

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// A term as the admin gives it: a name, and a first and last day in order, less than a year apart,
/// overlapping none of the school's other terms (so a day belongs to one term at most).
/// </summary>
public static class TermRule
{
    public const int MaxName = 60;

    public static Dictionary<string, string[]> Check(TermRequest request, IReadOnlyList<Term> others, out Term? term)
    {
        term = null;
        var errors = new Dictionary<string, string[]>();
        var first = LocalDatePattern.Iso.Parse(request.FirstDay?.Trim() ?? "");
        var last = LocalDatePattern.Iso.Parse(request.LastDay?.Trim() ?? "");
        var name = request.Name?.Trim() ?? "";
        if (FreeText.IsBlank(name)) { errors["name"] = ["Name the term, e.g. Autumn 1."]; }
        else if (name.Length > MaxName) { errors["name"] = [$"At most {MaxName} characters."]; }
        else if (FreeText.HasControlCharacters(name)) { errors["name"] = [FreeText.CannotKeep("The name")]; }
        if (!first.Success) { errors["firstDay"] = ["Give the first day as a date, e.g. 2026-09-03."]; }
        else if (!Scheduling.RequestValidation.IsPlausible(first.Value)) { errors["firstDay"] = [Scheduling.RequestValidation.PlausibleYears]; }
        if (!last.Success) { errors["lastDay"] = ["Give the last day as a date, e.g. 2026-10-23."]; }
        else if (!Scheduling.RequestValidation.IsPlausible(last.Value)) { errors["lastDay"] = [Scheduling.RequestValidation.PlausibleYears]; }
        if (!errors.ContainsKey("firstDay") && !errors.ContainsKey("lastDay"))
        {
            var (from, to) = (first.Value.ToDateOnly(), last.Value.ToDateOnly());
            if (to < from) { errors["lastDay"] = ["The last day cannot be before the first."]; }
            else if (last.Value >= first.Value.PlusYears(1)) { errors["lastDay"] = ["A term lasts less than a year: its last day comes before the same date a year on."]; }
            else if (others.FirstOrDefault(o => o.FirstDay <= to && from <= o.LastDay) is { } overlapped)
            {
                var dto = TermDto.Of(overlapped);
                errors["firstDay"] = [$"These dates overlap {dto.Name} ({dto.FirstDay} to {dto.LastDay}): a day belongs to one term at most."];
            }
        }
        if (errors.Count == 0)
        {
            term = new Term { Name = name, FirstDay = first.Value.ToDateOnly(), LastDay = last.Value.ToDateOnly() };
        }
        return errors;
    }
}

/// <summary>Adds and removes a school's terms (admin), each audited; anyone on the staff reads them.</summary>
public static class Terms
{
    public static void MapTerms(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/policy/terms").WithTags("Policy").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/", List).WithName("ListTerms").WithSummary("The school's terms, in date order: the record of intervention is read per term (?term=).");
        group.MapPost("/", Add).RequireAuthorization(AuthPolicies.Admin).WithName("AddTerm").WithSummary("Add a term: a name and its first and last day, overlapping no other term (admin).");
        group.MapDelete("/{id}", Remove).RequireAuthorization(AuthPolicies.Admin).WithName("RemoveTerm").WithSummary("Remove a term (admin).");
    }

    public static Task<List<Term>> OfSchoolAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        db.Set<Term>().AsNoTracking().Where(t => t.SchoolId == schoolId).OrderBy(t => t.FirstDay).ToListAsync(ct);

    /// <summary>Adds the term if it is valid; the errors per field otherwise (nothing saved).</summary>
    public static async Task<(Term? Term, Dictionary<string, string[]> Errors)> AddAsync(ChaperoneDbContext db, ClaimsPrincipal user, TermRequest request, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var errors = TermRule.Check(request, await OfSchoolAsync(db, schoolId, ct), out var term);
        if (term is null)
        {
            return (null, errors);
        }
        term.SchoolId = schoolId;
        db.Add(term);
        AuditLog.Record(db, user, AuditActions.TermAdded, AuditSubjects.Term, term.Id, TermDto.Of(term));
        await db.SaveChangesAsync(ct);
        return (term, errors);
    }

    /// <summary>Removes the school's term <paramref name="id"/>; null when it has no such term.</summary>
    public static async Task<Term?> RemoveAsync(ChaperoneDbContext db, ClaimsPrincipal user, string? id, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(id, out var termId) || await db.Set<Term>().FirstOrDefaultAsync(t => t.Id == termId && t.SchoolId == schoolId, ct) is not { } term)
        {
            return null;
        }
        db.Remove(term);
        AuditLog.Record(db, user, AuditActions.TermRemoved, AuditSubjects.Term, term.Id, TermDto.Of(term));
        await db.SaveChangesAsync(ct);
        return term;
    }

    private static async Task<Ok<List<TermDto>>> List(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await OfSchoolAsync(db, user.SchoolId(), ct)).Select(TermDto.Of).ToList());

    private static async Task<Results<Created<TermDto>, ProblemHttpResult>> Add(TermRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (term, errors) = await AddAsync(db, user, request, ct);
        if (term is null)
        {
            return Problems.Validation(errors);
        }
        var dto = TermDto.Of(term);
        return TypedResults.Created($"/api/v1/policy/terms/{dto.Id}", dto);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        await RemoveAsync(db, user, id, ct) is null ? Problems.NotFound("No term with this id in your school.") : TypedResults.NoContent();
}
