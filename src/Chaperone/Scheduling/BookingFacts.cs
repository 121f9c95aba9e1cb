using System.Collections.Concurrent;
using System.Linq.Expressions;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Policy;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Scheduling;

/// <summary>The people of a proposed session, loaded from one school's records.</summary>
public sealed record BookingPeople(
    HostFacts Host,
    IReadOnlyList<PupilFacts> Pupils,
    IReadOnlyList<GuardianFacts> Guardians,
    IReadOnlyList<Guid> RequestedPupilIds,
    IReadOnlyList<Guid> RequestedGuardianIds)
{
    /// <summary>The host's email address, for their copy of the session's messages.</summary>
    public string? HostEmail { get; init; }

    /// <summary>
    /// The stamp of the school's settings, read with these people: what else is kept per school
    /// under that stamp (the wording of its messages) serves while it is unchanged.
    /// </summary>
    public Guid? SettingsStamp { get; init; }

    public BookingProposal At(Instant now, Instant start, int durationMinutes) =>
        new(now, start, durationMinutes, Host, Pupils, Guardians, RequestedPupilIds, RequestedGuardianIds);

    public IEnumerable<Guid> PupilIds => Pupils.Select(p => p.Id);
    public IEnumerable<Guid> GuardianIds => Guardians.Select(g => g.Id);
}

/// <summary>Gathers what the pure rules need from the database, scoped to one school.</summary>
public static class BookingFacts
{
    // Compiled once: these run on every booking, check and slot search, and EF would otherwise
    // walk, hash and look up each query's expression tree on every call.
    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, CancellationToken, Task<School?>>> SchoolQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
            db.Schools.AsNoTracking().Include(s => s.Closures).FirstOrDefault(s => s.Id == schoolId)));

    // The usual case in one query (one round trip): the host, whether they hold the Teacher role,
    // the stamp of the school's settings (so that a copy of the settings read under the same stamp
    // can serve without reading them again), and the requested pupils (with their guardians' ids)
    // and guardians of this school as collections of the host's row (tied to it through the host's
    // school, which is this school, so that they become joins: SQLite has no APPLY).
    // When the host is not found nothing comes back, and the people are read one kind at a time to
    // say which ids name nobody.
    private static readonly Expression<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, IQueryable<HostWithPeople>>> HostWithPeopleRows =
        (db, schoolId, teacherId, pupilIds, guardianIds) =>
            db.Users.AsNoTracking()
                .Where(u => u.Id == teacherId && u.SchoolId == schoolId)
                .Select(u => new HostWithPeople(
                    new HostRow(u.Id, u.Name, u.Email, u.FamiliarisationConfirmedOn,
                        db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Roles.Teacher)),
                        u.AccessEndedAt != null,
                        db.Schools.Where(s => s.Id == schoolId).Select(s => s.SettingsStamp).FirstOrDefault()),
                    db.Pupils.Where(p => p.SchoolId == u.SchoolId && pupilIds.Contains(p.Id)).Select(p => new NameRow(p.Id, p.Name)).ToList(),
                    db.PupilGuardians.Where(l => l.SchoolId == u.SchoolId && pupilIds.Contains(l.PupilId)).Select(l => new LinkRow(l.PupilId, l.GuardianId)).ToList(),
                    db.Guardians.Where(g => g.SchoolId == u.SchoolId && guardianIds.Contains(g.Id)).ToList()));

    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, CancellationToken, Task<HostWithPeople?>>> HostWithPeopleQuery =
        new(() => EF.CompileAsyncQuery(FirstOf(HostWithPeopleRows)));

    /// <summary>
    /// The query of the host with the people they would meet, as written (for its plan: each list
    /// must be found by the school and the ids named, not by walking the school's rows).
    /// </summary>
    internal static IQueryable<object> HostWithPeopleOf(ChaperoneDbContext db, Guid schoolId, Guid teacherId, List<Guid> pupilIds, List<Guid> guardianIds) =>
        HostWithPeopleRows.Compile()(db, schoolId, teacherId, pupilIds, guardianIds);

    /// <summary>The first row of <paramref name="rows"/> (or none), as a query taking a cancellation token last.</summary>
    private static Expression<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, CancellationToken, T?>> FirstOf<T>(
        Expression<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, IQueryable<T>>> rows) =>
        Expression.Lambda<Func<ChaperoneDbContext, Guid, Guid, List<Guid>, List<Guid>, CancellationToken, T?>>(
            Expression.Call(typeof(Queryable), nameof(Queryable.FirstOrDefault), [typeof(T)], rows.Body),
            [.. rows.Parameters, Expression.Parameter(typeof(CancellationToken), "ct")]);

    // Flat rows: a list of ids per pupil would be built by code EF compiles at run time on every call.
    private sealed record HostWithPeople(HostRow Host, List<NameRow> Pupils, List<LinkRow> Links, List<Guardian> Guardians);

    private sealed record NameRow(Guid Id, string Name);

    private sealed record LinkRow(Guid PupilId, Guid GuardianId);

    /// <summary>
    /// Each school's settings (and its call providers) as last read, with the stamp they were read
    /// under, per database. A copy serves only while the school's stamp is still the same (read
    /// with the host, in the same query), so a change made through any instance is seen by the
    /// next booking.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Database, Guid School), SchoolCopy> SettingsCopies = new();

    private sealed record SchoolCopy(Guid Stamp, PolicySettings Settings, Teams.ProviderSettings Providers);

    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, List<Guid>, IAsyncEnumerable<PupilRow>>> PupilsQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, List<Guid> ids) =>
            db.Pupils.AsNoTracking()
                .Where(p => p.SchoolId == schoolId && ids.Contains(p.Id))
                .Select(p => new PupilRow(p.Id, p.Name, p.Guardians.Select(g => g.GuardianId).ToList()))));

    private static readonly CompiledQuery<Func<ChaperoneDbContext, Guid, List<Guid>, IAsyncEnumerable<Guardian>>> GuardiansQuery =
        new(() => EF.CompileAsyncQuery((ChaperoneDbContext db, Guid schoolId, List<Guid> ids) =>
            db.Guardians.AsNoTracking().Where(g => g.SchoolId == schoolId && ids.Contains(g.Id))));

    /// <summary>The school's policy settings, as the rules consume them.</summary>
    public static async Task<PolicySettings> LoadSettingsAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        (await LoadSchoolAsync(db, schoolId, ct)).Settings;

    private static async Task<SchoolCopy> LoadSchoolAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct)
    {
        var school = await SchoolQuery.For(db)(db, schoolId, ct)
            ?? throw new InvalidOperationException($"School {schoolId} of a signed-in user does not exist.");
        var providers = await Teams.ProviderChoice.LoadAsync(db, schoolId, ct);
        // The settings and their stamp come from one row read by one statement, so they belong
        // together; the providers are read after it, so a change to them since then has a newer
        // stamp than the one kept here and is read again by the next booking.
        var copy = new SchoolCopy(school.SettingsStamp, school.ToPolicySettings(), providers);
        SettingsCopies[(db.Database.GetConnectionString() ?? "", schoolId)] = copy;
        return copy;
    }

    /// <summary>
    /// The school's settings as they were under <paramref name="stamp"/> (read by the caller with
    /// its own facts, in the same query): the copy kept under that stamp if there is one, else
    /// read now.
    /// </summary>
    public static async Task<PolicySettings> SettingsUnderAsync(ChaperoneDbContext db, Guid schoolId, Guid stamp, CancellationToken ct) =>
        (await SchoolUnderAsync(db, schoolId, stamp, ct)).Settings;

    /// <summary>The school's settings: the copy read under <paramref name="stamp"/> if there is one, else read now.</summary>
    private static Task<SchoolCopy> SchoolUnderAsync(ChaperoneDbContext db, Guid schoolId, Guid stamp, CancellationToken ct) =>
        SettingsCopies.TryGetValue((db.Database.GetConnectionString() ?? "", schoolId), out var copy) && copy.Stamp == stamp
            ? Task.FromResult(copy)
            : LoadSchoolAsync(db, schoolId, ct);

    /// <summary>
    /// The school's settings and the people of a proposed session; or, when an id names nobody in
    /// this school, the 404 outcome naming each such field.
    /// </summary>
    public static async Task<(PolicySettings Settings, BookingPeople? People, SessionOutcome? Missing)> LoadAsync(
        ChaperoneDbContext db, Guid schoolId, string teacherId, IReadOnlyList<string> pupilIds, IReadOnlyList<string> guardianIds, CancellationToken ct,
        string missingDetail = MissingPeople)
    {
        var (settings, _, people, missing) = await LoadForBookingAsync(db, schoolId, teacherId, pupilIds, guardianIds, ct, missingDetail);
        return (settings, people, missing);
    }

    /// <summary><see cref="LoadAsync"/>, with the school's call providers as well (read with its settings).</summary>
    public static async Task<(PolicySettings Settings, Teams.ProviderSettings Providers, BookingPeople? People, SessionOutcome? Missing)> LoadForBookingAsync(
        ChaperoneDbContext db, Guid schoolId, string teacherId, IReadOnlyList<string> pupilIds, IReadOnlyList<string> guardianIds, CancellationToken ct,
        string missingDetail = MissingPeople)
    {
        var (people, missing, stamp) = await LoadPeopleAsync(db, schoolId, teacherId, pupilIds, guardianIds, ct);
        var school = stamp is { } current ? await SchoolUnderAsync(db, schoolId, current, ct) : await LoadSchoolAsync(db, schoolId, ct);
        return (school.Settings, school.Providers, people, people is null ? new SessionOutcome.Missing(missingDetail, missing) : null);
    }

    /// <summary>
    /// Loads the host, pupils and guardians, and the stamp of the school's settings when the host
    /// was found. Ids that do not name anyone in this school (including anyone in another school)
    /// come back as field errors, for a 404.
    /// </summary>
    private static async Task<(BookingPeople? People, Dictionary<string, string[]> Missing, Guid? SettingsStamp)> LoadPeopleAsync(
        ChaperoneDbContext db, Guid schoolId, string teacherId, IReadOnlyList<string> pupilIds, IReadOnlyList<string> guardianIds, CancellationToken ct)
    {
        var missing = new Dictionary<string, string[]>();
        var pupilGuids = ValidIds(pupilIds);
        var guardianGuids = ValidIds(guardianIds);

        var distinctPupils = pupilGuids.Distinct().ToList();
        var distinctGuardians = guardianGuids.Distinct().ToList();
        HostRow? teacher = null;
        List<PupilRow>? pupils = null;
        List<Guardian>? guardians = null;
        if (Ids.TryParse(teacherId, out var teacherGuid)
            && await HostWithPeopleQuery.For(db)(db, schoolId, teacherGuid, distinctPupils, distinctGuardians, ct) is { } found)
        {
            (teacher, guardians) = (found.Host, found.Guardians);
            pupils = found.Pupils.Select(p => new PupilRow(p.Id, p.Name, found.Links.Where(l => l.PupilId == p.Id).Select(l => l.GuardianId).ToList())).ToList();
        }
        else
        {
            missing["teacherId"] = [NoSuchHost];
        }
        pupils ??= await PupilsQuery.For(db)(db, schoolId, distinctPupils).ToListAsync(ct);
        guardians ??= await GuardiansQuery.For(db)(db, schoolId, distinctGuardians).ToListAsync(ct);

        ReportMissing(pupilIds, pupils.Select(p => p.Id).ToHashSet().Contains, "pupilIds", "pupil", missing);
        ReportMissing(guardianIds, guardians.Select(g => g.Id).ToHashSet().Contains, "guardianIds", "parent or carer", missing);
        if (missing.Count > 0 || teacher is null)
        {
            return (null, missing, teacher?.SettingsStamp);
        }

        var host = new HostFacts(teacher.Id, teacher.Name, teacher.IsTeacher,
            teacher.FamiliarisationConfirmedOn is { } d ? LocalDate.FromDateOnly(d) : null, teacher.AccessEnded);
        var pupilFacts = distinctPupils
            .Select(id => pupils.First(p => p.Id == id))
            .Select(p => new PupilFacts(p.Id, p.Name, p.Guardians.ToHashSet()))
            .ToList();
        var guardianFacts = distinctGuardians
            .Select(id => guardians.First(g => g.Id == id))
            .Select(g => new GuardianFacts(g.Id, g.Name, g.Relationship, g.HasParentalResponsibility, g.Email))
            .ToList();
        return (new BookingPeople(host, pupilFacts, guardianFacts, pupilGuids, guardianGuids) { HostEmail = teacher.Email, SettingsStamp = teacher.SettingsStamp }, missing, teacher.SettingsStamp);
    }

    private sealed record HostRow(Guid Id, string Name, string? Email, DateOnly? FamiliarisationConfirmedOn, bool IsTeacher, bool AccessEnded, Guid SettingsStamp);

    private sealed record PupilRow(Guid Id, string Name, List<Guid> Guardians);

    /// <summary>The problem's detail when an id of a proposed session names nobody in the school.</summary>
    internal const string MissingPeople = "Some of the people named are not in your school's records.";

    /// <summary>What is said of a host id that names no member of staff in the school.</summary>
    internal const string NoSuchHost = "No member of staff with this id in your school.";

    /// <summary>The entries of <paramref name="raw"/> that are ids, in order (an entry that is not is reported by <see cref="ReportMissing"/>).</summary>
    internal static List<Guid> ValidIds(IReadOnlyList<string> raw)
    {
        var ids = new List<Guid>(raw.Count);
        foreach (var text in raw)
        {
            if (Ids.TryParse(text, out var id))
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    /// <summary>Names each position of <paramref name="raw"/> that is not an id, or names nobody found, as a 404 field.</summary>
    internal static void ReportMissing(IReadOnlyList<string> raw, Func<Guid, bool> found, string field, string what, Dictionary<string, string[]> missing)
    {
        for (var i = 0; i < raw.Count; i++)
        {
            if (!Ids.TryParse(raw[i], out var id) || !found(id))
            {
                missing[$"{field}[{i}]"] = [$"No {what} with this id in your school."];
            }
        }
    }
}
