using System.Net.Mail;
using System.Security.Claims;
using System.Security.Cryptography;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.People;

public sealed record StaffRequest(string? Name, string? Email, string[]? Roles);

public sealed record NewStaffDto(StaffDto Staff, string InitialPassword);

public sealed record GuardianRequest(string? Name, string? Relationship, bool? HasParentalResponsibility, string? Email, string? Phone);

public sealed record PupilRequest(string? Name, string? DateOfBirth, string[]? GuardianIds);

/// <summary>
/// The school admin's roster: staff accounts and roles, pupils, parents and carers and who is
/// linked to whom. Email addresses are checked when entered, not when a message is sent.
/// </summary>
public static class ManagePeople
{
    public const int MaxName = 200;

    public static void MapManagePeople(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("People").RequireAuthorization(AuthPolicies.Admin);
        group.MapPost("/staff", AddStaff).WithName("AddStaff").WithSummary("Add a member of staff with roles (admin); answers with a one-time initial password.");
        group.MapPut("/staff/{id}/roles", SetRoles).WithName("SetStaffRoles").WithSummary("Replace a member of staff's roles (admin).");
        group.MapPost("/guardians", AddGuardian).WithName("AddGuardian").WithSummary("Add a parent or carer (admin).");
        group.MapPut("/guardians/{id}", UpdateGuardian).WithName("UpdateGuardian").WithSummary("Change a parent or carer's details (admin).");
        group.MapPost("/pupils", AddPupil).WithName("AddPupil").WithSummary("Add a pupil linked to their parents and carers (admin).");
        group.MapPut("/pupils/{id}", UpdatePupil).WithName("UpdatePupil").WithSummary("Change a pupil's name, date of birth or linked parents and carers (admin).");
    }

    public static bool IsEmail(string value)
    {
        if (value.Length > 254 || value.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }
        return MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);
    }

    private static void CheckName(string? name, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(name)) { errors[field] = ["A name is required."]; }
        else if (name.Length > MaxName) { errors[field] = [$"At most {MaxName} characters."]; }
    }

    private static async Task<IResult> AddStaff(StaffRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        var email = request.Email?.Trim() ?? "";
        if (!IsEmail(email)) { errors["email"] = ["Give a valid email address, e.g. name@school.org.uk."]; }
        CheckRoles(request.Roles, errors);
        if (errors.Count == 0 && await users.FindByEmailAsync(email) is not null)
        {
            errors["email"] = ["Someone already has an account with this email address."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var member = new StaffMember { SchoolId = user.SchoolId(), Name = request.Name!.Trim(), Email = email, UserName = email, EmailConfirmed = true };
        var password = "cp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(9)).ToLowerInvariant();
        var created = await users.CreateAsync(member, password);
        if (!created.Succeeded)
        {
            return Problems.Validation("email", string.Join(" ", created.Errors.Select(e => e.Description)));
        }
        await users.AddToRolesAsync(member, request.Roles!.Distinct());
        var dto = (await PeopleEndpoints.LoadStaffAsync(db, member.SchoolId, ct)).First(s => s.Id == Ids.Format(member.Id));
        return TypedResults.Created($"/api/v1/staff/{dto.Id}", new NewStaffDto(dto, password));
    }

    private static async Task<IResult> SetRoles(string id, StaffRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var member = Ids.TryParse(id, out var staffId) ? await db.Users.FirstOrDefaultAsync(u => u.Id == staffId && u.SchoolId == schoolId, ct) : null;
        if (member is null)
        {
            return Problems.NotFound("No member of staff with this id in your school.");
        }
        var errors = new Dictionary<string, string[]>();
        CheckRoles(request.Roles, errors);
        if (member.Id == user.UserId() && request.Roles is not null && !request.Roles.Contains(Roles.Admin))
        {
            errors["roles"] = ["You cannot take the admin role away from yourself."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var current = await users.GetRolesAsync(member);
        await users.RemoveFromRolesAsync(member, current.Except(request.Roles!));
        await users.AddToRolesAsync(member, request.Roles!.Distinct().Except(current));
        return TypedResults.Ok((await PeopleEndpoints.LoadStaffAsync(db, schoolId, ct)).First(s => s.Id == Ids.Format(member.Id)));
    }

    private static void CheckRoles(string[]? roles, Dictionary<string, string[]> errors)
    {
        if (roles is null || roles.Length == 0)
        {
            errors["roles"] = [$"Give at least one role: {string.Join(", ", Roles.All)}."];
        }
        else if (roles.FirstOrDefault(r => !Roles.All.Contains(r)) is { } unknown)
        {
            errors["roles"] = [$"'{(unknown.Length > 20 ? unknown[..20] : unknown)}' is not a role; use {string.Join(", ", Roles.All)}."];
        }
    }

    public static Dictionary<string, string[]> ApplyGuardian(Guardian guardian, GuardianRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        if (string.IsNullOrWhiteSpace(request.Relationship)) { errors["relationship"] = ["Say how they are related to the pupil, e.g. Mother, Foster carer."]; }
        else if (request.Relationship.Length > 100) { errors["relationship"] = ["At most 100 characters."]; }
        if (request.HasParentalResponsibility is null) { errors["hasParentalResponsibility"] = ["Say whether they hold parental responsibility (true or false)."]; }
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && !IsEmail(email)) { errors["email"] = ["Give a valid email address, or leave it empty."]; }
        var phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim();
        if (phone is not null && (phone.Length > 40 || !phone.All(c => char.IsDigit(c) || c is ' ' or '+' or '-' or '(' or ')')))
        {
            errors["phone"] = ["Give a phone number of digits and spaces, e.g. 01726 890000."];
        }
        if (errors.Count == 0)
        {
            guardian.Name = request.Name!.Trim();
            guardian.Relationship = request.Relationship!.Trim();
            guardian.HasParentalResponsibility = request.HasParentalResponsibility!.Value;
            guardian.Email = email;
            guardian.Phone = phone;
        }
        return errors;
    }

    private static async Task<IResult> AddGuardian(GuardianRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var guardian = new Guardian { SchoolId = user.SchoolId(), Name = "", Relationship = "" };
        var errors = ApplyGuardian(guardian, request);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        db.Guardians.Add(guardian);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/guardians/{Ids.Format(guardian.Id)}", ToDto(guardian));
    }

    private static async Task<IResult> UpdateGuardian(string id, GuardianRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var guardian = Ids.TryParse(id, out var guardianId) ? await db.Guardians.FirstOrDefaultAsync(g => g.Id == guardianId && g.SchoolId == schoolId, ct) : null;
        if (guardian is null)
        {
            return Problems.NotFound("No parent or carer with this id in your school.");
        }
        var errors = ApplyGuardian(guardian, request);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(guardian));
    }

    private static GuardianDto ToDto(Guardian g) => new(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email, g.Phone);

    private static async Task<IResult> AddPupil(PupilRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var pupil = new Pupil { SchoolId = user.SchoolId(), Name = "" };
        var result = await ApplyPupilAsync(db, pupil, request, ct);
        if (result is not null)
        {
            return result;
        }
        db.Pupils.Add(pupil);
        await db.SaveChangesAsync(ct);
        var dto = (await PeopleEndpoints.LoadPupilsAsync(db, pupil.SchoolId, ct)).First(p => p.Id == Ids.Format(pupil.Id));
        return TypedResults.Created($"/api/v1/pupils/{dto.Id}", dto);
    }

    private static async Task<IResult> UpdatePupil(string id, PupilRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var pupil = Ids.TryParse(id, out var pupilId)
            ? await db.Pupils.Include(p => p.Guardians).FirstOrDefaultAsync(p => p.Id == pupilId && p.SchoolId == schoolId, ct)
            : null;
        if (pupil is null)
        {
            return Problems.NotFound("No pupil with this id in your school.");
        }
        var result = await ApplyPupilAsync(db, pupil, request, ct);
        if (result is not null)
        {
            return result;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await PeopleEndpoints.LoadPupilsAsync(db, schoolId, ct)).First(p => p.Id == id));
    }

    /// <summary>Validates and applies a pupil's details and links; answers the problem to return, or null when applied.</summary>
    private static async Task<IResult?> ApplyPupilAsync(ChaperoneDbContext db, Pupil pupil, PupilRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        DateOnly? born = null;
        if (!string.IsNullOrWhiteSpace(request.DateOfBirth))
        {
            if (DateOnly.TryParseExact(request.DateOfBirth.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) { born = d; }
            else { errors["dateOfBirth"] = ["Give the date of birth as a date, e.g. 2017-05-21."]; }
        }
        var ids = request.GuardianIds ?? [];
        if (ids.Length > 10) { errors["guardianIds"] = ["At most 10 parents and carers."]; }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var parsed = new List<Guid>();
        var missing = new Dictionary<string, string[]>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (Ids.TryParse(ids[i], out var g)) { parsed.Add(g); } else { missing[$"guardianIds[{i}]"] = ["No parent or carer with this id in your school."]; }
        }
        var found = await db.Guardians.Where(g => g.SchoolId == pupil.SchoolId && parsed.Contains(g.Id)).Select(g => g.Id).ToListAsync(ct);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Ids.TryParse(ids[i], out var g) && !found.Contains(g)) { missing[$"guardianIds[{i}]"] = ["No parent or carer with this id in your school."]; }
        }
        if (missing.Count > 0)
        {
            return Problems.NotFound("Some of the parents and carers named are not in your school's records.", missing);
        }
        pupil.Name = request.Name!.Trim();
        pupil.DateOfBirth = born;
        pupil.Guardians.RemoveAll(l => !found.Contains(l.GuardianId));
        foreach (var g in found.Where(g => pupil.Guardians.All(l => l.GuardianId != g)))
        {
            pupil.Guardians.Add(new PupilGuardian { SchoolId = pupil.SchoolId, PupilId = pupil.Id, GuardianId = g });
        }
        return null;
    }
}
