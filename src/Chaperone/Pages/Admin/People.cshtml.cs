using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages.Admin;

/// <summary>
/// People and rosters: staff and their roles, parents and carers, pupils and who is linked to
/// whom, in the admin's school. Every change goes through <see cref="ManagePeople"/>, the same
/// operations the API calls, so the page and the API accept and refuse exactly the same things.
/// </summary>
public sealed class PeopleModel(ChaperoneDbContext db, UserManager<StaffMember> users, SignInManager<StaffMember> signIn, TimeProvider clock) : PageModel
{
    // Staff form: add (no StaffId) or change details and roles (StaffId).
    [BindProperty]
    public string? StaffId { get; set; }

    [BindProperty]
    public string? StaffName { get; set; }

    [BindProperty]
    public string? StaffEmail { get; set; }

    [BindProperty]
    public List<string> StaffRoles { get; set; } = [];

    /// <summary>On adding: email them an invitation to choose their own password, instead of a one-time password to hand over.</summary>
    [BindProperty]
    public bool StaffInvite { get; set; }

    // Parent or carer form: add (no GuardianId) or edit.
    [BindProperty]
    public string? GuardianId { get; set; }

    [BindProperty]
    public string? GuardianName { get; set; }

    [BindProperty]
    public string? Relationship { get; set; }

    /// <summary>"true", "false", or nothing chosen yet.</summary>
    [BindProperty]
    public string? ParentalResponsibility { get; set; }

    [BindProperty]
    public string? GuardianEmail { get; set; }

    [BindProperty]
    public string? GuardianPhone { get; set; }

    // Pupil form: add (no PupilId) or edit.
    [BindProperty]
    public string? PupilId { get; set; }

    [BindProperty]
    public string? PupilName { get; set; }

    [BindProperty]
    public string? DateOfBirth { get; set; }

    [BindProperty]
    public List<string> PupilGuardianIds { get; set; } = [];

    /// <summary>The reason given to families when a leaver's upcoming sessions are cancelled.</summary>
    [BindProperty]
    public string? CancelReason { get; set; }

    public const string DefaultCancelReason = "The teacher who was to hold this call has left the school. The school will be in touch to arrange another.";

    /// <summary>How many upcoming sessions each leaver still hosts (leavers with none are left out).</summary>
    public Dictionary<Guid, int> LeaversUpcoming { get; private set; } = [];

    public FormErrors StaffErrors { get; } = new();
    public FormErrors GuardianErrors { get; } = new();
    public FormErrors PupilErrors { get; } = new();

    public List<StaffDto> Staff { get; private set; } = [];
    public List<GuardianDto> Guardians { get; private set; } = [];
    public List<PupilRow> Pupils { get; private set; } = [];

    /// <summary>The section changed by the last request, whose notice is shown in it.</summary>
    [TempData]
    public string? SavedSection { get; set; }

    [TempData]
    public string? SavedNotice { get; set; }

    /// <summary>The member of staff just added and their initial password, shown on this response only.</summary>
    public NewStaffDto? Added { get; private set; }

    public StaffDto? EditedStaff => StaffId is null ? null : Staff.FirstOrDefault(s => s.Id == StaffId);
    public GuardianDto? EditedGuardian => GuardianId is null ? null : Guardians.FirstOrDefault(g => g.Id == GuardianId);
    public PupilRow? EditedPupil => PupilId is null ? null : Pupils.FirstOrDefault(p => p.Id == PupilId);

    /// <summary>The page, with one form switched to editing when <c>?staff=</c>, <c>?guardian=</c> or <c>?pupil=</c> names someone.</summary>
    public async Task<IActionResult> OnGetAsync(string? staff, string? guardian, string? pupil, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (staff is not null)
        {
            if (Staff.FirstOrDefault(s => s.Id == staff) is not { } member)
            {
                return NotFound();
            }
            StaffId = member.Id;
            StaffName = member.Name;
            StaffEmail = member.Email;
            // Roles offered and still awaiting acceptance stay ticked: saving the form leaves the offer as it is.
            StaffRoles = [.. member.Roles, .. member.PendingRoles is { } offered && !IsRunOut(offered) ? offered.Roles : []];
        }
        if (guardian is not null)
        {
            if (Guardians.FirstOrDefault(g => g.Id == guardian) is not { } g)
            {
                return NotFound();
            }
            GuardianId = g.Id;
            GuardianName = g.Name;
            Relationship = g.Relationship;
            ParentalResponsibility = g.HasParentalResponsibility ? "true" : "false";
            GuardianEmail = g.Email;
            GuardianPhone = g.Phone;
        }
        if (pupil is not null)
        {
            if (Pupils.FirstOrDefault(p => p.Id == pupil) is not { } p)
            {
                return NotFound();
            }
            PupilId = p.Id;
            PupilName = p.Name;
            DateOfBirth = p.DateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            PupilGuardianIds = [.. p.Guardians.Select(g => g.Id)];
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAddStaffAsync([FromServices] Identity.ForgottenPasswords links, [FromServices] SafeguardingRoleGrants grants,
        [FromServices] Notifications.OutboxSignal outbox, CancellationToken ct)
    {
        StaffId = null;
        var outcome = await ManagePeople.AddStaffAsync(db, users, links, grants, outbox, User, new StaffRequest(StaffName, StaffEmail, [.. StaffRoles], StaffInvite), ct);
        if (outcome is PeopleOutcome<NewStaffDto>.Done done)
        {
            // The password is shown on this response only and kept nowhere: not in TempData, and not in the
            // browser's cache (a page with a form is sent with "Cache-Control: no-store" for its antiforgery token).
            Added = done.Value;
            StaffName = null;
            StaffEmail = null;
            StaffRoles = [];
            StaffInvite = false;
            await LoadAsync(ct);
            return Page();
        }
        return await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    public async Task<IActionResult> OnPostUpdateStaffAsync([FromServices] SafeguardingRoleGrants grants, CancellationToken ct)
    {
        var outcome = await ManagePeople.UpdateStaffAsync(db, users, grants, User, StaffId, new StaffRequest(StaffName, StaffEmail, [.. StaffRoles]), ct);
        if (outcome is PeopleOutcome<StaffDto>.Done done)
        {
            if (done.Value.Id == Ids.Format(User.UserId()))
            {
                // The admin's own sign-in carries on, with their new details and roles.
                await signIn.RefreshSignInAsync((await users.GetUserAsync(User))!);
            }
            return Saved("staff", $"{done.Value.Name}’s details are saved. Roles: {RoleList(done.Value.Roles)}."
                + (done.Value.PendingRoles is { } offered
                    ? $" The {SafeguardingRoleGrants.RolesText(offered.Roles)} is theirs only once they accept it through the link emailed to {done.Value.Email}, by choosing a new password of their own; the school’s DSLs and senior leaders are told."
                    : ""));
        }
        return await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    public async Task<IActionResult> OnPostWithdrawRolesAsync([FromServices] SafeguardingRoleGrants grants, CancellationToken ct)
    {
        var outcome = await ManagePeople.WithdrawPendingRolesAsync(db, grants, User, StaffId, ct);
        StaffId = null;
        return outcome is PeopleOutcome<StaffDto>.Done done
            ? Saved("staff", $"The role offered to {done.Value.Name} is withdrawn: the link emailed to them no longer works.")
            : await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    /// <summary>Whether the link of an offer has run out unaccepted.</summary>
    public bool IsRunOut(PendingRolesDto offered) => offered.Until <= clock.GetUtcNow();

    /// <summary>What the staff list says of roles offered and not yet accepted.</summary>
    public string PendingText(PendingRolesDto offered) => IsRunOut(offered)
        ? $"{SafeguardingRoleGrants.RolesText(offered.Roles)} offered by email {Display.OnDayAt(offered.Since, Zone)}: the link ran out unaccepted {Display.OnDayAt(offered.Until, Zone)}. Save their roles again to email a new one, or withdraw it."
        : $"{SafeguardingRoleGrants.RolesText(offered.Roles)} awaiting acceptance by email since {Display.At(offered.Since, Zone)} (offered by {offered.OfferedBy})";

    /// <summary>A member of staff given a new one-time password, shown on this response only.</summary>
    public NewStaffDto? PasswordReset { get; private set; }

    public NodaTime.DateTimeZone Zone { get; private set; } = NodaTime.DateTimeZone.Utc;

    public async Task<IActionResult> OnPostResetPasswordAsync([FromServices] Identity.ForgottenPasswords links, CancellationToken ct)
    {
        var outcome = await ManagePeople.ResetPasswordAsync(db, users, links, User, StaffId, ct);
        StaffId = null;
        if (outcome is PeopleOutcome<NewStaffDto>.Done done)
        {
            PasswordReset = done.Value;
            await LoadAsync(ct);
            return Page();
        }
        return await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    public async Task<IActionResult> OnPostUnlinkMicrosoftAsync(CancellationToken ct)
    {
        var outcome = await ManagePeople.UnlinkMicrosoftAsync(db, users, User, StaffId, ct);
        StaffId = null;
        return outcome is PeopleOutcome<StaffDto>.Done done
            ? Saved("staff", $"{done.Value.Name}’s Microsoft account is unlinked, and any sign-in they had has ended. Their next sign-in with Microsoft links the account of their address again.")
            : await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    public Task<IActionResult> OnPostEndAccessAsync([FromServices] SafeguardingRoleGrants grants, CancellationToken ct) => SetAccessAsync(grants, false, ct);

    public Task<IActionResult> OnPostRestoreAccessAsync([FromServices] SafeguardingRoleGrants grants, CancellationToken ct) => SetAccessAsync(grants, true, ct);

    private async Task<IActionResult> SetAccessAsync(SafeguardingRoleGrants grants, bool active, CancellationToken ct)
    {
        var outcome = await ManagePeople.SetAccessAsync(db, users, grants, clock, User, StaffId, new StaffAccessRequest(active), ct);
        StaffId = null;
        if (outcome is PeopleOutcome<StaffDto>.Done done)
        {
            if (active)
            {
                return Saved("staff", done.Value.PendingRoles is { } offered
                    ? $"{done.Value.Name} has access again. The {SafeguardingRoleGrants.RolesText(offered.Roles)} they held or had been offered {(offered.Roles.Count == 1 ? "is" : "are")} not theirs again until they accept it through the link emailed to {done.Value.Email}, "
                        + "by choosing a new password of their own; the school’s other DSLs and senior leaders are told."
                    : $"{done.Value.Name} has access again.");
            }
            var hostId = Guid.Parse(done.Value.Id);
            var upcoming = (await Scheduling.CancelHostedSessions.LeaversWithUpcomingAsync(db, User.SchoolId(), clock.GetUtcNow(), ct)).GetValueOrDefault(hostId);
            return Saved("staff", $"{done.Value.Name}’s access has ended: they cannot sign in, and any sign-in they had has ended. What they did stays in the records."
                + (upcoming == 0 ? "" : $" They host {upcoming} upcoming session{(upcoming == 1 ? "" : "s")}, which cannot take place without them: cancel {(upcoming == 1 ? "it" : "them")} below (the families are told) and book again with another teacher."));
        }
        return await ShowAsync(outcome, StaffErrors, StaffField, ct);
    }

    public async Task<IActionResult> OnPostCancelUpcomingAsync([FromServices] Scheduling.CancelHostedSessions cancelHosted, CancellationToken ct)
    {
        var hostId = StaffId;
        var outcome = await cancelHosted.HandleAsync(User, hostId, new Scheduling.CancelRequest(CancelReason), ct);
        StaffId = null;
        if (outcome is not PeopleOutcome<Scheduling.HostedSessionsCancelledDto>.Done { Value: var done })
        {
            return await ShowAsync(outcome, StaffErrors, field => field == "reason" ? $"cancel-reason-{hostId}" : StaffField(field), ct);
        }
        var name = await db.Users.AsNoTracking().Where(u => u.Id == Guid.Parse(hostId!)).Select(u => u.Name).SingleAsync(ct);
        var n = done.Cancelled.Count;
        return Saved("staff", $"{n} upcoming session{(n == 1 ? "" : "s")} of {name} {(n == 1 ? "is" : "are")} cancelled, and the families are emailed the reason."
            + (done.NotCancelled.Count == 0 ? "" : $" {done.NotCancelled.Count} could not be: {string.Join(" ", done.NotCancelled.Select(x => x.Reason).Distinct())}"));
    }

    public async Task<IActionResult> OnPostSaveGuardianAsync(CancellationToken ct)
    {
        var request = new GuardianRequest(GuardianName, Relationship, ParentalResponsibility switch { "true" => true, "false" => false, _ => null }, GuardianEmail, GuardianPhone);
        var outcome = GuardianId is null
            ? await ManagePeople.AddGuardianAsync(db, User, request, ct)
            : await ManagePeople.UpdateGuardianAsync(db, User, GuardianId, request, ct);
        if (outcome is PeopleOutcome<GuardianDto>.Done done)
        {
            return Saved("guardians", GuardianId is null ? $"{done.Value.Name} is added to the parents and carers." : $"{done.Value.Name}’s details are saved.");
        }
        return await ShowAsync(outcome, GuardianErrors, GuardianField, ct);
    }

    public async Task<IActionResult> OnPostSavePupilAsync(CancellationToken ct)
    {
        var request = new PupilRequest(PupilName, DateOfBirth, [.. PupilGuardianIds.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct()]);
        var outcome = PupilId is null
            ? await ManagePeople.AddPupilAsync(db, clock, User, request, ct)
            : await ManagePeople.UpdatePupilAsync(db, clock, User, PupilId, request, ct);
        if (outcome is PeopleOutcome<PupilDto>.Done done)
        {
            return Saved("pupils", PupilId is null ? $"{done.Value.Name} is added to the pupils." : $"{done.Value.Name}’s details are saved.");
        }
        return await ShowAsync(outcome, PupilErrors, PupilField, ct);
    }

    /// <summary>Shows a refusal beside the fields, keeping what was typed; someone edited who is not in the school is a 404.</summary>
    private async Task<IActionResult> ShowAsync<T>(PeopleOutcome<T> outcome, FormErrors errors, Func<string, string> fieldOf, CancellationToken ct)
    {
        switch (outcome)
        {
            case PeopleOutcome<T>.Invalid invalid:
                errors.AddAll(invalid.Errors, fieldOf);
                break;
            case PeopleOutcome<T>.Missing { Errors.Count: > 0 } missing:
                errors.AddAll(missing.Errors, fieldOf);
                break;
            default:
                return NotFound();
        }
        // Nothing was saved: forget any half-applied change before the lists are read again.
        db.ChangeTracker.Clear();
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Back to the page at the section changed, where the notice is shown (the top of the page is out of sight).</summary>
    private LocalRedirectResult Saved(string section, string notice)
    {
        SavedSection = section;
        SavedNotice = notice;
        return LocalRedirect($"/admin/people#{section}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var schoolId = User.SchoolId();
        Zone = (await Scheduling.BookingFacts.LoadSettingsAsync(db, schoolId, ct)).TimeZone;
        Staff = await PeopleEndpoints.LoadStaffAsync(db, schoolId, ct);
        LeaversUpcoming = await Scheduling.CancelHostedSessions.LeaversWithUpcomingAsync(db, schoolId, clock.GetUtcNow(), ct);
        Guardians = await PeopleEndpoints.LoadGuardiansAsync(db, schoolId, ct);
        var pupils = await PeopleEndpoints.LoadPupilsAsync(db, schoolId, ct);
        var born = await db.Pupils.AsNoTracking().Where(p => p.SchoolId == schoolId).Select(p => new { p.Id, p.DateOfBirth }).ToListAsync(ct);
        var births = born.ToDictionary(b => Ids.Format(b.Id), b => b.DateOfBirth);
        Pupils = pupils.Select(p => new PupilRow(p.Id, p.Name, births.GetValueOrDefault(p.Id), p.Guardians)).ToList();
        PupilGuardianIds = PupilGuardianIds.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct().ToList();
    }

    /// <summary>How the page names a role.</summary>
    public static string RoleLabel(string role) => role switch
    {
        Roles.Teacher => "Teacher",
        Roles.Slt => "Senior leader (SLT)",
        Roles.Dsl => "Safeguarding lead (DSL)",
        Roles.Admin => "Admin",
        _ => role,
    };

    /// <summary>When the member of staff confirmed they know the platform (clause 2), in words.</summary>
    public static string Familiarisation(StaffDto member) =>
        DateOnly.TryParseExact(member.FamiliarisationConfirmedOn, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var on)
            ? Display.Day(on)
            : "Not yet confirmed";

    public static string RoleList(IEnumerable<string> roles) => string.Join(", ", roles.Select(RoleLabel));

    // Where each form shows an API field's errors; the keys are also the ids the error summary links to.
    public static string StaffField(string apiField) => apiField switch
    {
        "name" => "staff-name",
        "email" => "staff-email",
        "roles" => "staff-roles",
        "invite" => "staff-invite",
        "active" => "staff",
        _ => "",
    };

    public static string GuardianField(string apiField) => apiField switch
    {
        "name" => "guardian-name",
        "relationship" => "guardian-relationship",
        "hasParentalResponsibility" => "guardian-pr",
        "email" => "guardian-email",
        "phone" => "guardian-phone",
        _ => "",
    };

    public static string PupilField(string apiField) => apiField switch
    {
        "name" => "pupil-name",
        "dateOfBirth" => "pupil-dob",
        _ when apiField.StartsWith("guardianIds", StringComparison.Ordinal) => "pupil-guardians",
        _ => "",
    };

    /// <summary>A pupil as the page lists them: the API's view, with the date of birth.</summary>
    public sealed record PupilRow(string Id, string Name, DateOnly? DateOfBirth, IReadOnlyList<GuardianDto> Guardians);
}
