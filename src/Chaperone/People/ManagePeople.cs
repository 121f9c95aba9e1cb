using System.Net.Mail;
using System.Security.Claims;
using System.Security.Cryptography;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.People;

/// <param name="Invite">On adding: email them an invitation to choose their own password instead of answering with a one-time password.</param>
public sealed record StaffRequest(string? Name, string? Email, string[]? Roles, bool? Invite = null);

/// <param name="InitialPassword">The one-time password to hand over; null when an invitation to choose one was emailed instead.</param>
public sealed record NewStaffDto(StaffDto Staff, string? InitialPassword);

/// <summary>Whether a member of staff has access: <c>false</c> ends it (they left), <c>true</c> restores it.</summary>
public sealed record StaffAccessRequest(bool? Active);

public sealed record GuardianRequest(string? Name, string? Relationship, bool? HasParentalResponsibility, string? Email, string? Phone);

public sealed record PupilRequest(string? Name, string? DateOfBirth, string[]? GuardianIds);

/// <summary>
/// What a change to the roster came to. Expected refusals are values, not exceptions: the API
/// turns them into problem details, the admin's page into messages beside the fields.
/// </summary>
public abstract record PeopleOutcome<T>
{
    private PeopleOutcome() { }

    public sealed record Done(T Value) : PeopleOutcome<T>;

    /// <summary>Fields to fix, keyed by the API's field names (<c>email</c>, <c>guardianIds[0]</c>).</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : PeopleOutcome<T>;

    /// <summary>The person changed, or someone the request names, is not in the admin's school.</summary>
    public sealed record Missing(string Detail, Dictionary<string, string[]>? Errors = null) : PeopleOutcome<T>;

    /// <summary>The API's answer: <paramref name="done"/> for success, problem details (400, 404) otherwise.</summary>
    public IResult ToResult(Func<T, IResult> done) => this switch
    {
        Done d => done(d.Value),
        Invalid i => Problems.Validation(i.Errors),
        Missing m => Problems.NotFound(m.Detail, m.Errors),
        _ => throw new InvalidOperationException($"Unhandled outcome {GetType().Name}"),
    };
}

/// <summary>
/// The school admin's roster: staff accounts and roles, pupils, parents and carers and who is
/// linked to whom. Email addresses are checked when entered, not when a message is sent.
/// The operations here are the only implementation: the API's endpoints and the admin's
/// People page both call them, so they accept and refuse exactly the same things.
/// Every operation works within the signed-in admin's school.
/// </summary>
public static class ManagePeople
{
    public const int MaxName = 200;
    /// <summary>Parents and carers one pupil may be linked to.</summary>
    public const int MaxGuardiansPerPupil = 10;

    public static void MapManagePeople(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("People").RequireAuthorization(AuthPolicies.Admin);
        group.MapPost("/staff", PostStaff).WithName("AddStaff").WithSummary("Add a member of staff with roles (admin); answers with a one-time initial password, or with `\"invite\": true` emails them an invitation to choose their own (always, for a DSL or senior leader).")
            .WithPeopleCreated<NewStaffDto>();
        group.MapPut("/staff/{id}", PutStaff).WithName("UpdateStaff")
            .WithSummary("Change a member of staff's name, email address and roles (admin); a new address or new roles end their sign-ins made before. " + RolesByEmail)
            .WithPeopleOutcomes<StaffDto>();
        group.MapPut("/staff/{id}/roles", PutRoles).WithName("SetStaffRoles").WithSummary("Replace a member of staff's roles (admin). " + RolesByEmail)
            .WithPeopleOutcomes<StaffDto>();
        group.MapDelete("/staff/{id}/pending-roles", DeletePendingRoles).WithName("WithdrawStaffPendingRoles")
            .WithSummary("Withdraw the DSL or senior leader role offered to a member of staff and not yet accepted (admin): the emailed link stops working, and the school's DSLs and senior leaders are told.")
            .WithPeopleOutcomes<StaffDto>();
        group.MapPut("/staff/{id}/access", PutAccess).WithName("SetStaffAccess")
            .WithSummary("End a member of staff's access when they leave, or restore it (admin): an ended account cannot sign in, and its sign-ins end. "
                + "Restored, the DSL or senior leader role they held is not theirs again at once: it is offered to them by email (`pendingRoles` until they accept it), and the school's other DSLs and senior leaders are told.")
            .WithPeopleOutcomes<StaffDto>();
        group.MapPost("/staff/{id}/password-reset", PostPasswordReset).WithName("ResetStaffPassword")
            .WithSummary("Give a member of staff a new one-time password and lift a lockout (admin); answers with the password. For a DSL or senior leader, a link to choose a new one is emailed to them instead, and `initialPassword` is null.")
            .WithPeopleOutcomes<NewStaffDto>();
        group.MapDelete("/staff/{id}/microsoft-link", DeleteMicrosoftLink).WithName("UnlinkStaffMicrosoftAccount")
            .WithSummary("Unlink the Microsoft account linked to a member of staff's (admin): their sign-ins end, and their next sign-in with Microsoft links the account of their address again.")
            .WithPeopleOutcomes<StaffDto>();
        group.MapPost("/staff/{id}/cancel-upcoming-sessions", PostCancelUpcoming).WithName("CancelLeaversSessions")
            .WithSummary("Cancel the upcoming sessions hosted by a member of staff whose access has ended, with a reason for the families (admin).")
            .WithPeopleOutcomes<Scheduling.HostedSessionsCancelledDto>();
        group.MapPost("/people/import", PostImport).WithName("ImportRoster")
            .WithSummary("Import pupils and their parents and carers from a CSV file sent as the request body (text/csv, UTF-8; one row per pupil and parent or carer; columns as on the People page's import); all rows or none, errors row by row; parents and carers already held are linked, and with ?update=true their details are brought up to the file's; ?dryRun=true only checks (admin).")
            .WithCsvBody().WithPeopleOutcomes<RosterImportDto>();
        group.MapPost("/staff/import", PostStaffImport).WithName("ImportStaff")
            .WithSummary("Import staff from a CSV file sent as the request body (text/csv, UTF-8; columns Name, Email, Roles, roles separated by ';'); all rows or none, errors row by row; each new member is emailed an invitation to choose their password; ?dryRun=true only checks (admin).")
            .WithCsvBody().WithPeopleOutcomes<StaffImportDto>();
        group.MapPost("/guardians", PostGuardian).WithName("AddGuardian").WithSummary("Add a parent or carer (admin).").WithPeopleCreated<GuardianDto>();
        group.MapPut("/guardians/{id}", PutGuardian).WithName("UpdateGuardian").WithSummary("Change a parent or carer's details (admin).").WithPeopleOutcomes<GuardianDto>();
        group.MapPost("/pupils", PostPupil).WithName("AddPupil").WithSummary("Add a pupil linked to their parents and carers (admin).").WithPeopleCreated<PupilDto>();
        group.MapPut("/pupils/{id}", PutPupil).WithName("UpdatePupil").WithSummary("Change a pupil's name, date of birth or linked parents and carers (admin).").WithPeopleOutcomes<PupilDto>();
    }

    /// <summary>What <see cref="PeopleOutcome{T}.ToResult"/> answers, as the OpenAPI document describes it.</summary>
    private static RouteHandlerBuilder WithPeopleOutcomes<T>(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<T>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>What an operation that adds someone answers: 201 with them (and their address in <c>Location</c>), or <see cref="PeopleOutcome{T}.ToResult"/>'s problems.</summary>
    private static RouteHandlerBuilder WithPeopleCreated<T>(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<T>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>
    /// The imports read the request body as a CSV file themselves; the document says so. (Not
    /// <c>Accepts</c>, which would also turn away a file sent with another or no content type.)
    /// </summary>
    private static RouteHandlerBuilder WithCsvBody(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Description = "The CSV file, UTF-8, its first row the column names.",
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["text/csv"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String } },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>What the API's summaries say of the roles that open safeguarding records.</summary>
    private const string RolesByEmail = "The DSL and senior leader roles are not given at once: they are offered, and the member is emailed a link to accept them by choosing a new password (`pendingRoles` until then); "
        + "roles offered that the request leaves out are withdrawn. Every DSL or senior leader role given, offered, accepted, withdrawn or taken away is emailed to the school's other DSLs and senior leaders.";

    private static async Task<IResult> PostStaff(StaffRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db,
        Identity.ForgottenPasswords links, SafeguardingRoleGrants grants, Notifications.OutboxSignal outbox, CancellationToken ct) =>
        (await AddStaffAsync(db, users, links, grants, outbox, user, request, ct)).ToResult(created => TypedResults.Created($"/api/v1/staff/{created.Staff.Id}", created));

    private static async Task<IResult> PutStaff(string id, StaffRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db,
        SafeguardingRoleGrants grants, CancellationToken ct) =>
        (await UpdateStaffAsync(db, users, grants, user, id, request, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PutRoles(string id, StaffRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db,
        SafeguardingRoleGrants grants, CancellationToken ct) =>
        (await SetRolesAsync(db, users, grants, user, id, request, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> DeletePendingRoles(string id, ClaimsPrincipal user, ChaperoneDbContext db, SafeguardingRoleGrants grants, CancellationToken ct) =>
        (await WithdrawPendingRolesAsync(db, grants, user, id, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PutAccess(string id, StaffAccessRequest request, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db,
        SafeguardingRoleGrants grants, TimeProvider clock, CancellationToken ct) =>
        (await SetAccessAsync(db, users, grants, clock, user, id, request, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PostPasswordReset(string id, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db, Identity.ForgottenPasswords links, CancellationToken ct) =>
        (await ResetPasswordAsync(db, users, links, user, id, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> DeleteMicrosoftLink(string id, ClaimsPrincipal user, UserManager<StaffMember> users, ChaperoneDbContext db, CancellationToken ct) =>
        (await UnlinkMicrosoftAsync(db, users, user, id, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PostCancelUpcoming(string id, Scheduling.CancelRequest request, ClaimsPrincipal user, Scheduling.CancelHostedSessions handler, CancellationToken ct) =>
        (await handler.HandleAsync(user, id, request, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PostStaffImport(HttpRequest request, ClaimsPrincipal user, ChaperoneDbContext db, UserManager<StaffMember> users,
        Identity.ForgottenPasswords links, SafeguardingRoleGrants grants, Notifications.OutboxSignal outbox, CancellationToken ct, bool dryRun = false)
    {
        if (await CsvRows.ReadFileAsync(request.Body, ct) is not { } csv)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["file"] = [CsvRows.TooLarge] });
        }
        return (await StaffImport.ImportAsync(db, users, links, grants, outbox, user, csv, apply: !dryRun, ct)).ToResult(TypedResults.Ok);
    }

    private static async Task<IResult> PostImport(HttpRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct, bool dryRun = false, bool update = false)
    {
        if (await CsvRows.ReadFileAsync(request.Body, ct) is not { } csv)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["file"] = [CsvRows.TooLarge] });
        }
        return (await RosterImport.ImportAsync(db, clock, user, csv, apply: !dryRun, update, ct)).ToResult(TypedResults.Ok);
    }


    private static async Task<IResult> PostGuardian(GuardianRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        (await AddGuardianAsync(db, user, request, ct)).ToResult(guardian => TypedResults.Created($"/api/v1/guardians/{guardian.Id}", guardian));

    private static async Task<IResult> PutGuardian(string id, GuardianRequest request, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct) =>
        (await UpdateGuardianAsync(db, user, id, request, ct)).ToResult(TypedResults.Ok);

    private static async Task<IResult> PostPupil(PupilRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct) =>
        (await AddPupilAsync(db, clock, user, request, ct)).ToResult(pupil => TypedResults.Created($"/api/v1/pupils/{pupil.Id}", pupil));

    private static async Task<IResult> PutPupil(string id, PupilRequest request, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, CancellationToken ct) =>
        (await UpdatePupilAsync(db, clock, user, id, request, ct)).ToResult(TypedResults.Ok);

    public static bool IsEmail(string value)
    {
        if (value.Length > 254 || value.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }
        return MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>At most this many characters in a phone number.</summary>
    public const int MaxPhone = 40;

    /// <summary>
    /// A phone number as staff write one, for a parent or carer and for the school office alike: digits,
    /// spaces, + - ( ), at most <see cref="MaxPhone"/> characters, and at least six digits.
    /// </summary>
    public static bool IsPhone(string value) =>
        value.Length <= MaxPhone && value.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-' or '(' or ')') && value.Count(char.IsAsciiDigit) >= 6;

    internal static void CheckName(string? name, string field, Dictionary<string, string[]> errors)
    {
        if (FreeText.IsBlank(name)) { errors[field] = ["A name is required."]; }
        else if (name.Length > MaxName) { errors[field] = [$"At most {MaxName} characters."]; }
        else if (FreeText.ChangesDirection(name)) { errors[field] = [FreeText.ChangesDirectionError("The name")]; }
        else if (FreeText.HasControlCharacters(name)) { errors[field] = [FreeText.CannotKeep("The name")]; }
    }

    /// <summary>
    /// The address a member of staff signs in with, trimmed: a valid one that no other account has
    /// (<paramref name="member"/> may keep their own). Its error goes under <c>email</c>.
    /// </summary>
    private static async Task<string> CheckStaffEmailAsync(UserManager<StaffMember> users, string? requested, StaffMember? member, Dictionary<string, string[]> errors)
    {
        var email = requested?.Trim() ?? "";
        if (!IsEmail(email))
        {
            errors["email"] = ["Give a valid email address, e.g. name@school.org.uk."];
        }
        else if (await users.FindByEmailAsync(email) is { } holder && holder.Id != member?.Id)
        {
            errors["email"] = ["Someone already has an account with this email address."];
        }
        return email;
    }

    /// <summary>
    /// Adds a member of staff to the admin's school, with roles and a one-time initial password to
    /// hand over; or, with <see cref="StaffRequest.Invite"/>, with no password and an emailed
    /// invitation to choose their own (as a staff import does).
    /// </summary>
    public static async Task<PeopleOutcome<NewStaffDto>> AddStaffAsync(ChaperoneDbContext db, UserManager<StaffMember> users, Identity.ForgottenPasswords links,
        SafeguardingRoleGrants grants, Notifications.OutboxSignal outbox, ClaimsPrincipal admin, StaffRequest request, CancellationToken ct)
    {
        request = request with { Roles = Roles.Named(request.Roles) };
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        CheckRoles(request.Roles, errors);
        var email = await CheckStaffEmailAsync(users, request.Email, null, errors);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<NewStaffDto>.Invalid(errors);
        }
        var invite = request.Invite == true;
        if (!invite && OpensSafeguarding(request.Roles!))
        {
            return new PeopleOutcome<NewStaffDto>.Invalid(new() { ["invite"] = [InvitedOnly] });
        }
        var member = new StaffMember { SchoolId = admin.SchoolId(), Name = request.Name!.Trim(), Email = email, UserName = email, EmailConfirmed = true, MustChangePassword = !invite };
        var password = invite ? null : OneTimePassword();
        var created = await CreateStaffAsync(db, users, grants, admin, member, password, request.Roles!.Distinct().ToList(), ct);
        if (!created.Succeeded)
        {
            return new PeopleOutcome<NewStaffDto>.Invalid(new() { ["email"] = [string.Join(" ", created.Errors.Select(e => e.Description))] });
        }
        if (invite)
        {
            var school = await db.Schools.AsNoTracking().Where(s => s.Id == member.SchoolId).Select(s => s.Name).SingleAsync(ct);
            db.OutboxMessages.Add(await links.InvitationAsync(member, school));
            await db.SaveChangesAsync(ct);
            outbox.Wake();
        }
        return new PeopleOutcome<NewStaffDto>.Done(new NewStaffDto(await StaffDtoAsync(db, member, ct), password));
    }

    /// <summary>
    /// Makes a member of staff's account with <paramref name="password"/> (none: they are to be
    /// invited to choose one), their roles and its audit entry; the caller has checked the request.
    /// A role that opens safeguarding records (only ever given with an invitation) is told to the
    /// school's DSLs and senior leaders (<see cref="SafeguardingRoleGrants.NotifyAsync"/>), saved by the caller.
    /// </summary>
    internal static async Task<IdentityResult> CreateStaffAsync(ChaperoneDbContext db, UserManager<StaffMember> users, SafeguardingRoleGrants grants, ClaimsPrincipal admin,
        StaffMember member, string? password, IReadOnlyCollection<string> roles, CancellationToken ct, bool imported = false)
    {
        var created = password is null ? await users.CreateAsync(member) : await users.CreateAsync(member, password);
        if (created.Succeeded)
        {
            AuditLog.Record(db, admin, AuditActions.StaffAdded, AuditSubjects.Staff, member.Id, new { member.Name, member.Email, roles, invited = password is null, imported });
            await users.AddToRolesAsync(member, roles);
            if (roles.Where(r => OpensSafeguarding([r])).ToList() is { Count: > 0 } leading)
            {
                await grants.NotifyAsync(member, AuditActor.From(admin), SafeguardingRoleEvent.Invited, leading, ct);
            }
        }
        return created;
    }

    /// <summary>
    /// Replaces a member of staff's roles. An admin cannot take the admin role away from themselves.
    /// A change ends the member's sign-ins made before it (their next carries the new roles). The DSL
    /// and senior leader roles are offered instead, by email (<see cref="SafeguardingRolesByEmail"/>).
    /// </summary>
    public static async Task<PeopleOutcome<StaffDto>> SetRolesAsync(
        ChaperoneDbContext db, UserManager<StaffMember> users, SafeguardingRoleGrants grants, ClaimsPrincipal admin, string? id, StaffRequest request, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<StaffDto>.Missing("No member of staff with this id in your school.");
        }
        var errors = new Dictionary<string, string[]>();
        request = request with { Roles = Roles.Named(request.Roles) };
        CheckRoles(request.Roles, member, admin, errors);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<StaffDto>.Invalid(errors);
        }
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await SafeguardingRoleGrants.TakeTurnAsync(db, member, ct);
            await ApplyRolesAsync(db, users, grants, admin, member, request.Roles!, ct);
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        grants.Sent();
        return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
    }

    /// <summary>
    /// Changes a member of staff's name, email address (the one they sign in with) and roles, as
    /// when they marry or the school's domain changes. A new address or new roles end the member's
    /// sign-ins made before (their next is with the new address, and carries the new roles).
    /// </summary>
    public static async Task<PeopleOutcome<StaffDto>> UpdateStaffAsync(
        ChaperoneDbContext db, UserManager<StaffMember> users, SafeguardingRoleGrants grants, ClaimsPrincipal admin, string? id, StaffRequest request, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<StaffDto>.Missing("No member of staff with this id in your school.");
        }
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        request = request with { Roles = Roles.Named(request.Roles) };
        CheckRoles(request.Roles, member, admin, errors);
        var email = await CheckStaffEmailAsync(users, request.Email, member, errors);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<StaffDto>.Invalid(errors);
        }
        var name = request.Name!.Trim();
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        await SafeguardingRoleGrants.TakeTurnAsync(db, member, ct);
        if (name != member.Name || email != member.Email)
        {
            AuditLog.Record(db, admin, AuditActions.StaffDetailsChanged, AuditSubjects.Staff, member.Id,
                new { from = new { member.Name, member.Email }, to = new { Name = name, Email = email } });
            var newSignIn = email != member.Email;
            member.Name = name;
            member.Email = member.UserName = email;
            await users.UpdateNormalizedEmailAsync(member);
            await users.UpdateNormalizedUserNameAsync(member);
            // Checks the account as Identity does (a unique address it can take as a user name), and
            // saves the details and the audit entry together; with a new address, a new security
            // stamp too (a new name alone ends no sign-in).
            var saved = newSignIn ? await users.UpdateSecurityStampAsync(member) : await users.UpdateAsync(member);
            if (!saved.Succeeded)
            {
                db.ChangeTracker.Clear();
                return new PeopleOutcome<StaffDto>.Invalid(new() { ["email"] = [string.Join(" ", saved.Errors.Select(e => e.Description))] });
            }
        }
        await ApplyRolesAsync(db, users, grants, admin, member, request.Roles!, ct);
        await db.SaveChangesAsync(ct);
        await write.CommitAsync(ct);
        grants.Sent();
        return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
    }

    /// <summary>
    /// Gives and takes away roles at once, but offers the DSL and senior leader roles by email
    /// (<see cref="SafeguardingRolesByEmail"/>; an offer the request leaves out is withdrawn); one of
    /// those taken away is told to the school's DSLs and senior leaders. Saved by the caller, in a
    /// write transaction that has taken the member's turn (<see cref="SafeguardingRoleGrants.TakeTurnAsync"/>).
    /// </summary>
    private static async Task ApplyRolesAsync(ChaperoneDbContext db, UserManager<StaffMember> users, SafeguardingRoleGrants grants, ClaimsPrincipal admin,
        StaffMember member, string[] roles, CancellationToken ct)
    {
        var current = await users.GetRolesAsync(member);
        var change = SafeguardingRolesByEmail.Plan(current, roles);
        if (change.ChangesHeldRoles)
        {
            await users.RemoveFromRolesAsync(member, change.Remove);
            AuditLog.Record(db, admin, AuditActions.StaffRolesChanged, AuditSubjects.Staff, member.Id,
                new { from = current, to = current.Except(change.Remove).Concat(change.AddNow), offered = change.Offer });
            await users.AddToRolesAsync(member, change.AddNow);
            // Sign-ins carry their roles: those made before end (StaffAccess), and the next carries the new ones.
            await users.UpdateSecurityStampAsync(member);
            if (change.Remove.Where(r => OpensSafeguarding([r])).ToList() is { Count: > 0 } lost)
            {
                await grants.NotifyAsync(member, AuditActor.From(admin), SafeguardingRoleEvent.Removed, lost, ct);
            }
        }
        await grants.OfferAsync(admin, member, change.Offer, ct);
    }

    /// <summary>Withdraws the DSL or senior leader role offered to a member of staff and not yet accepted (the link stops working); nothing offered, nothing changes.</summary>
    public static async Task<PeopleOutcome<StaffDto>> WithdrawPendingRolesAsync(ChaperoneDbContext db, SafeguardingRoleGrants grants, ClaimsPrincipal admin, string? id, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<StaffDto>.Missing("No member of staff with this id in your school.");
        }
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            await SafeguardingRoleGrants.TakeTurnAsync(db, member, ct);
            if (await grants.WithdrawAsync(admin, member, ct))
            {
                await db.SaveChangesAsync(ct);
                await write.CommitAsync(ct);
                grants.Sent();
            }
        }
        return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
    }

    /// <summary>A password for an admin to hand over (its holder is asked to choose their own): 72 random bits.</summary>
    public static string OneTimePassword() => "cp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(9)).ToLowerInvariant();

    private static async Task<StaffMember?> FindStaffAsync(ChaperoneDbContext db, Guid schoolId, string? id, CancellationToken ct) =>
        Ids.TryParse(id, out var staffId) ? await db.Users.FirstOrDefaultAsync(u => u.Id == staffId && u.SchoolId == schoolId, ct) : null;

    private static async Task<StaffDto> StaffDtoAsync(ChaperoneDbContext db, StaffMember member, CancellationToken ct) =>
        (await PeopleEndpoints.LoadStaffAsync(db, member.SchoolId, ct)).First(s => s.Id == Ids.Format(member.Id));

    /// <summary>
    /// Ends a member of staff's access (they left the school) or restores it. The account and
    /// everything it did stay in the records; an ended one cannot sign in, and its sign-ins end
    /// (<see cref="Identity.StaffAccess"/>). An admin cannot end their own access. Restoring the
    /// access of someone who held the DSL or senior leader role does not give it back outright: an
    /// admin may have set or reset the account's password meanwhile, so the role is taken off and
    /// offered to them by email, as to any existing account (<see cref="SafeguardingRolesByEmail"/>),
    /// with any offer they had not yet accepted (one they had only been offered is offered afresh, with
    /// a new link); the school's other DSLs and senior leaders are told.
    /// </summary>
    public static async Task<PeopleOutcome<StaffDto>> SetAccessAsync(ChaperoneDbContext db, UserManager<StaffMember> users, SafeguardingRoleGrants grants, TimeProvider clock,
        ClaimsPrincipal admin, string? id, StaffAccessRequest request, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<StaffDto>.Missing("No member of staff with this id in your school.");
        }
        if (request.Active is not { } active)
        {
            return new PeopleOutcome<StaffDto>.Invalid(new() { ["active"] = ["Say whether they have access: true, or false to end it."] });
        }
        if (!active && member.Id == admin.UserId())
        {
            return new PeopleOutcome<StaffDto>.Invalid(new() { ["active"] = ["You cannot end your own access; another admin can."] });
        }
        await using (var write = await WriteTransaction.BeginAsync(db, ct))
        {
            // In turn with any change of their roles or offer: an acceptance cannot slip in between.
            await SafeguardingRoleGrants.TakeTurnAsync(db, member, ct);
            if (active == (member.AccessEndedAt is null))
            {
                return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
            }
            var endedAt = member.AccessEndedAt;
            member.AccessEndedAt = active ? null : clock.GetUtcNow();
            var leading = active ? (await users.GetRolesAsync(member)).Where(r => OpensSafeguarding([r])).ToList() : [];
            // The roles they held, with any offered and not yet accepted when their access ended (an
            // offer alone too: its link is replaced by a new one, and the leaders are told of it).
            var pending = active && await grants.FindAsync(member, ct) is { } waiting && waiting.ExpiresAt > endedAt ? waiting.RoleList : [];
            var offered = Roles.All.Where(r => leading.Contains(r) || pending.Contains(r)).ToList();
            AuditLog.Record(db, admin, active ? AuditActions.StaffAccessRestored : AuditActions.StaffAccessEnded, AuditSubjects.Staff, member.Id,
                active ? new { member.Name, member.Email, offered } : new { member.Name, member.Email });
            if (leading.Count > 0)
            {
                var removed = await users.RemoveFromRolesAsync(member, leading);
                if (!removed.Succeeded)
                {
                    throw new InvalidOperationException($"The roles to offer again could not be taken off: {string.Join(" ", removed.Errors.Select(e => e.Description))}");
                }
            }
            // Saves the account and the audit entry, with a new security stamp.
            await users.UpdateSecurityStampAsync(member);
            if (offered.Count > 0)
            {
                await grants.OfferAsync(admin, member, offered, ct, SafeguardingRoleEvent.Restored);
            }
            await db.SaveChangesAsync(ct);
            await write.CommitAsync(ct);
        }
        grants.Sent();
        return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
    }

    /// <summary>
    /// The roles whose accounts open safeguarding records and concerns (those that sign in with two
    /// factors). An admin manages people but cannot read concerns, so such an account's password
    /// never passes through the admin: it is chosen by its owner, through a link emailed to them.
    /// </summary>
    public static bool OpensSafeguarding(IEnumerable<string?> roles) => roles.Any(r => Identity.TwoFactor.RequiredFor.Contains(r));

    public const string InvitedOnly = "Someone with the DSL or senior leader role is invited by email, to choose their own password and set up two-factor sign-in: a one-time password is not shown for an account that opens safeguarding records. Tick the invitation.";

    /// <summary>
    /// Gives a member of staff a new one-time password (the old one stops working) and lifts a
    /// lockout; for one whose roles open safeguarding records (<see cref="OpensSafeguarding"/>),
    /// emails them a link to choose a new one instead (their password stays until they do; the new
    /// one lifts a lockout), and answers with no password.
    /// </summary>
    public static async Task<PeopleOutcome<NewStaffDto>> ResetPasswordAsync(ChaperoneDbContext db, UserManager<StaffMember> users, Identity.ForgottenPasswords links,
        ClaimsPrincipal admin, string? id, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<NewStaffDto>.Missing("No member of staff with this id in your school.");
        }
        if (OpensSafeguarding(await users.GetRolesAsync(member)))
        {
            AuditLog.Record(db, admin, AuditActions.StaffPasswordReset, AuditSubjects.Staff, member.Id, new { member.Name, member.Email, emailed = true });
            // Saves the request for the link and the audit entry together; the link is written and sent in the background.
            await links.RequestAsync(new Identity.ForgottenPasswordRequest(member.Email), ct);
            return new PeopleOutcome<NewStaffDto>.Done(new NewStaffDto(await StaffDtoAsync(db, member, ct), null));
        }
        var password = OneTimePassword();
        member.MustChangePassword = true;
        AuditLog.Record(db, admin, AuditActions.StaffPasswordReset, AuditSubjects.Staff, member.Id, new { member.Name, member.Email });
        var reset = await users.ResetPasswordAsync(member, await users.GeneratePasswordResetTokenAsync(member), password);
        if (!reset.Succeeded)
        {
            throw new InvalidOperationException($"A generated password was refused: {string.Join(" ", reset.Errors.Select(e => e.Description))}");
        }
        await users.SetLockoutEndDateAsync(member, null);
        await users.ResetAccessFailedCountAsync(member);
        return new PeopleOutcome<NewStaffDto>.Done(new NewStaffDto(await StaffDtoAsync(db, member, ct), password));
    }

    /// <summary>
    /// Unlinks the Microsoft account linked to a member of staff's (one linked by mistake, or an
    /// account the school's directory replaced). Their sign-ins end; nothing else changes.
    /// </summary>
    public static async Task<PeopleOutcome<StaffDto>> UnlinkMicrosoftAsync(ChaperoneDbContext db, UserManager<StaffMember> users, ClaimsPrincipal admin, string? id, CancellationToken ct)
    {
        if (await FindStaffAsync(db, admin.SchoolId(), id, ct) is not { } member)
        {
            return new PeopleOutcome<StaffDto>.Missing("No member of staff with this id in your school.");
        }
        foreach (var login in (await users.GetLoginsAsync(member)).Where(l => l.LoginProvider == Identity.MicrosoftSignIn.Scheme))
        {
            AuditLog.Record(db, admin, AuditActions.MicrosoftAccountUnlinked, AuditSubjects.Staff, member.Id, new { member.Name, member.Email });
            // Saves the audit entry with the account, under a new security stamp.
            var removed = await users.RemoveLoginAsync(member, login.LoginProvider, login.ProviderKey);
            if (!removed.Succeeded)
            {
                throw new InvalidOperationException($"The Microsoft account could not be unlinked: {string.Join(" ", removed.Errors.Select(e => e.Description))}");
            }
        }
        return new PeopleOutcome<StaffDto>.Done(await StaffDtoAsync(db, member, ct));
    }

    internal static void CheckRoles(string[]? roles, Dictionary<string, string[]> errors)
    {
        if (roles is null || roles.Length == 0)
        {
            errors["roles"] = [$"Choose at least one role: {Roles.InWords}."];
        }
        else if (Array.FindIndex(roles, r => r is null || !Roles.All.Contains(r)) is var at and >= 0)
        {
            errors["roles"] = [roles[at] is { Length: > 0 } unknown
                ? $"'{(unknown.Length > 20 ? unknown[..20] : unknown)}' is not a role: give {Roles.InWords}."
                : $"A role is left empty: give {Roles.InWords}."];
        }
    }

    /// <summary>
    /// The roles for an existing member: as for a new one; an admin cannot take the admin role away
    /// from themselves, nor give themselves the DSL or senior leader role. Those roles read
    /// safeguarding records and concerns, which the admin who manages accounts does not (DESIGN):
    /// another admin must grant them, so that no one person can open them to themselves.
    /// </summary>
    private static void CheckRoles(string[]? roles, StaffMember member, ClaimsPrincipal admin, Dictionary<string, string[]> errors)
    {
        CheckRoles(roles, errors);
        if (member.Id != admin.UserId() || roles is null)
        {
            return;
        }
        if (!roles.Contains(Roles.Admin))
        {
            errors["roles"] = ["You cannot take the admin role away from yourself."];
        }
        else if (roles.FirstOrDefault(r => r is Roles.Dsl or Roles.Slt && !admin.IsInRole(r)) is { } raised)
        {
            errors["roles"] = [$"You cannot give yourself the {(raised == Roles.Dsl ? "DSL" : "senior leader")} role: it opens safeguarding records and concerns. Another admin can."];
        }
    }

    /// <summary>Validates a parent or carer's details and, only when all are valid, applies them; answers the errors.</summary>
    public static Dictionary<string, string[]> ApplyGuardian(Guardian guardian, GuardianRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        if (FreeText.IsBlank(request.Relationship)) { errors["relationship"] = ["Say how they are related to the pupil, e.g. Mother, Foster carer."]; }
        else if (request.Relationship.Length > 100) { errors["relationship"] = ["At most 100 characters."]; }
        else if (FreeText.HasControlCharacters(request.Relationship)) { errors["relationship"] = [FreeText.CannotKeep("The relationship")]; }
        if (request.HasParentalResponsibility is null) { errors["hasParentalResponsibility"] = ["Choose yes or no: whether they hold parental responsibility."]; }
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && !IsEmail(email)) { errors["email"] = ["Give a valid email address, or leave it empty."]; }
        var phone = string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim();
        if (phone is not null && !IsPhone(phone))
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

    /// <summary>
    /// <see cref="ApplyGuardian"/>, and an email address no other parent or carer of the school has.
    /// The school's emails and family links go to one person by their address, and a roster import
    /// takes one address for one person; so the same parent of a second child (a sibling's) is
    /// linked to that child, not added again, and the message says so, naming who has it.
    /// </summary>
    private static async Task<Dictionary<string, string[]>> ApplyGuardianAsync(ChaperoneDbContext db, Guardian guardian, GuardianRequest request, CancellationToken ct)
    {
        var errors = ApplyGuardian(guardian, request);
        if (errors.Count > 0 || guardian.Email is not { } email)
        {
            return errors;
        }
        var lower = email.ToLowerInvariant();
        // Translated to SQL (lower() on both databases); the analyzer's overload would not translate.
#pragma warning disable CA1862
        var holder = await db.Guardians.AsNoTracking()
            .Where(g => g.SchoolId == guardian.SchoolId && g.Id != guardian.Id && g.Email != null && g.Email.ToLower() == lower)
            .Select(g => new { g.Name, g.Relationship, Pupils = g.Pupils.Select(l => l.Pupil!.Name).ToList() })
            .FirstOrDefaultAsync(ct);
#pragma warning restore CA1862
        if (holder is not null)
        {
            var of = holder.Pupils.Count == 0 ? "" : $" of {string.Join(" and ", holder.Pupils.Order(StringComparer.Ordinal))}";
            errors["email"] = [$"{holder.Name} ({holder.Relationship}{of}) already has this email address. If this is the same person, do not add them again: "
                + $"tick {holder.Name} among the parents and carers on the pupil's form to link them. Otherwise give this person's own address."];
        }
        return errors;
    }

    /// <summary>Adds a parent or carer to the admin's school.</summary>
    public static async Task<PeopleOutcome<GuardianDto>> AddGuardianAsync(ChaperoneDbContext db, ClaimsPrincipal admin, GuardianRequest request, CancellationToken ct)
    {
        var guardian = new Guardian { SchoolId = admin.SchoolId(), Name = "", Relationship = "" };
        var errors = await ApplyGuardianAsync(db, guardian, request, ct);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<GuardianDto>.Invalid(errors);
        }
        db.Guardians.Add(guardian);
        AuditLog.Record(db, admin, AuditActions.GuardianAdded, AuditSubjects.Guardian, guardian.Id, ToDto(guardian));
        await db.SaveChangesAsync(ct);
        return new PeopleOutcome<GuardianDto>.Done(ToDto(guardian));
    }

    /// <summary>Changes a parent or carer's details; nothing changes unless every field is valid.</summary>
    public static async Task<PeopleOutcome<GuardianDto>> UpdateGuardianAsync(ChaperoneDbContext db, ClaimsPrincipal admin, string? id, GuardianRequest request, CancellationToken ct)
    {
        var schoolId = admin.SchoolId();
        var guardian = Ids.TryParse(id, out var guardianId) ? await db.Guardians.FirstOrDefaultAsync(g => g.Id == guardianId && g.SchoolId == schoolId, ct) : null;
        if (guardian is null)
        {
            return new PeopleOutcome<GuardianDto>.Missing("No parent or carer with this id in your school.");
        }
        var errors = await ApplyGuardianAsync(db, guardian, request, ct);
        if (errors.Count > 0)
        {
            return new PeopleOutcome<GuardianDto>.Invalid(errors);
        }
        AuditLog.Record(db, admin, AuditActions.GuardianChanged, AuditSubjects.Guardian, guardian.Id, ToDto(guardian));
        await db.SaveChangesAsync(ct);
        return new PeopleOutcome<GuardianDto>.Done(ToDto(guardian));
    }

    public static GuardianDto ToDto(Guardian g) => new(Ids.Format(g.Id), g.Name, g.Relationship, g.HasParentalResponsibility, g.Email, g.Phone);

    /// <summary>Adds a pupil to the admin's school, linked to parents and carers of the same school.</summary>
    public static async Task<PeopleOutcome<PupilDto>> AddPupilAsync(ChaperoneDbContext db, TimeProvider clock, ClaimsPrincipal admin, PupilRequest request, CancellationToken ct)
    {
        var pupil = new Pupil { SchoolId = admin.SchoolId(), Name = "" };
        if (await ApplyPupilAsync(db, clock, pupil, request, ct) is { } refused)
        {
            return refused;
        }
        db.Pupils.Add(pupil);
        AuditLog.Record(db, admin, AuditActions.PupilAdded, AuditSubjects.Pupil, pupil.Id, PupilDetails(pupil));
        await db.SaveChangesAsync(ct);
        return new PeopleOutcome<PupilDto>.Done((await PeopleEndpoints.LoadPupilsAsync(db, pupil.SchoolId, ct)).First(p => p.Id == Ids.Format(pupil.Id)));
    }

    /// <summary>Changes a pupil's name, date of birth and links; the links given replace the links held.</summary>
    public static async Task<PeopleOutcome<PupilDto>> UpdatePupilAsync(ChaperoneDbContext db, TimeProvider clock, ClaimsPrincipal admin, string? id, PupilRequest request, CancellationToken ct)
    {
        var schoolId = admin.SchoolId();
        var pupil = Ids.TryParse(id, out var pupilId)
            ? await db.Pupils.Include(p => p.Guardians).FirstOrDefaultAsync(p => p.Id == pupilId && p.SchoolId == schoolId, ct)
            : null;
        if (pupil is null)
        {
            return new PeopleOutcome<PupilDto>.Missing("No pupil with this id in your school.");
        }
        if (await ApplyPupilAsync(db, clock, pupil, request, ct) is { } refused)
        {
            return refused;
        }
        AuditLog.Record(db, admin, AuditActions.PupilChanged, AuditSubjects.Pupil, pupil.Id, PupilDetails(pupil));
        await db.SaveChangesAsync(ct);
        return new PeopleOutcome<PupilDto>.Done((await PeopleEndpoints.LoadPupilsAsync(db, schoolId, ct)).First(p => p.Id == Ids.Format(pupil.Id)));
    }

    /// <summary>The youngest and oldest a pupil can be on the school's today: from nursery to the end of an education, health and care plan.</summary>
    public const int YoungestPupil = 2, OldestPupil = 25;

    /// <summary>
    /// Why a pupil cannot have been born on <paramref name="born"/>, with <paramref name="today"/> the
    /// school's (its own time zone, by the injected clock); null when they can. A date in the future,
    /// or one making them younger than <see cref="YoungestPupil"/> or older than
    /// <see cref="OldestPupil"/>, is a slip of the year (or of day and month), and the date of birth
    /// decides how long a child's records are kept.
    /// </summary>
    public static string? CheckBorn(DateOnly born, DateOnly today) =>
        born > today ? "A date of birth cannot be in the future: check the year."
        : born > today.AddYears(-YoungestPupil) ? $"That would make the pupil younger than {YoungestPupil}: check the year."
        : born < today.AddYears(-OldestPupil) ? $"That would make the pupil older than {OldestPupil}: check the year."
        : null;

    /// <summary>The school's date now, in its own time zone.</summary>
    public static async Task<DateOnly> SchoolTodayAsync(ChaperoneDbContext db, TimeProvider clock, Guid schoolId, CancellationToken ct)
    {
        var zone = Policy.PolicySettings.ZoneOrDefault(await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => s.TimeZoneId).FirstOrDefaultAsync(ct));
        return NodaTime.Instant.FromDateTimeOffset(clock.GetUtcNow()).InZone(zone).Date.ToDateOnly();
    }

    /// <summary>What a pupil's audit entry says of them.</summary>
    internal static object PupilDetails(Pupil p) => new { p.Name, p.DateOfBirth, guardianIds = p.Guardians.Select(l => l.GuardianId) };

    /// <summary>Validates and applies a pupil's details and links; answers the refusal, or null when applied.</summary>
    private static async Task<PeopleOutcome<PupilDto>?> ApplyPupilAsync(ChaperoneDbContext db, TimeProvider clock, Pupil pupil, PupilRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CheckName(request.Name, "name", errors);
        DateOnly? born = null;
        if (!string.IsNullOrWhiteSpace(request.DateOfBirth))
        {
            if (!DateOnly.TryParseExact(request.DateOfBirth.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d))
            {
                errors["dateOfBirth"] = ["Give the date of birth as a date, e.g. 2017-05-21."];
            }
            else if (CheckBorn(d, await SchoolTodayAsync(db, clock, pupil.SchoolId, ct)) is { } wrong)
            {
                errors["dateOfBirth"] = [wrong];
            }
            else
            {
                born = d;
            }
        }
        var ids = request.GuardianIds ?? [];
        if (ids.Length > MaxGuardiansPerPupil) { errors["guardianIds"] = [$"At most {MaxGuardiansPerPupil} parents and carers."]; }
        if (errors.Count > 0)
        {
            return new PeopleOutcome<PupilDto>.Invalid(errors);
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
            return new PeopleOutcome<PupilDto>.Missing("Some of the parents and carers named are not in your school's records.", missing);
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
