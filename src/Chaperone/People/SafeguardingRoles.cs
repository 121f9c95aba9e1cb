using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Families;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.People;

/// <summary>What a change of a member of staff's roles comes to under <see cref="SafeguardingRolesByEmail"/>.</summary>
/// <param name="AddNow">Roles given at once.</param>
/// <param name="Remove">Roles taken away at once.</param>
/// <param name="Offer">Roles that open safeguarding records, given only once their holder accepts them through an emailed link.</param>
public sealed record RoleChange(IReadOnlyList<string> AddNow, IReadOnlyList<string> Remove, IReadOnlyList<string> Offer)
{
    public bool ChangesHeldRoles => AddNow.Count > 0 || Remove.Count > 0;
}

/// <summary>
/// DESIGN: "an admin who manages people but cannot read concerns". The DSL and senior leader roles
/// open safeguarding records and concerns (<see cref="ManagePeople.OpensSafeguarding"/>), so an
/// admin does not give them to an existing account outright: an admin may know that account's
/// password (one they set, or reset), and would then read concerns through it. The role is offered
/// instead, and only the owner of the account's mailbox can accept it, by choosing a new password
/// (<see cref="SafeguardingRoleGrants.AcceptAsync"/>). Taking a role away, and every other role, is at once.
/// </summary>
public static class SafeguardingRolesByEmail
{
    public static RoleChange Plan(IEnumerable<string> held, IEnumerable<string> requested)
    {
        var have = held.ToHashSet(StringComparer.Ordinal);
        var want = requested.Distinct(StringComparer.Ordinal).ToList();
        var added = want.Where(r => !have.Contains(r)).ToList();
        return new RoleChange(
            added.Where(r => !ManagePeople.OpensSafeguarding([r])).ToList(),
            have.Where(r => !want.Contains(r)).ToList(),
            added.Where(r => ManagePeople.OpensSafeguarding([r])).ToList());
    }
}

/// <summary>
/// A role that opens safeguarding records, offered to an existing member of staff and waiting for
/// them to accept it through the link emailed to <see cref="Email"/> (<see cref="SafeguardingRoleGrants"/>).
/// One per member of staff; a new offer replaces it (and voids its link). It is deleted when
/// accepted or withdrawn; one that has run out (<see cref="ExpiresAt"/>) stays, shown as such, until then.
/// </summary>
public sealed class PendingRoleGrant
{
    public const int MaxRoles = 40;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid StaffId { get; set; }

    /// <summary>The roles offered, as the API names them, separated by commas ("Dsl", "Dsl,Slt").</summary>
    public required string Roles { get; set; }

    /// <summary>The address the link was emailed to: a new address voids the offer.</summary>
    public required string Email { get; set; }

    public Guid? OfferedById { get; set; }
    public required string OfferedByName { get; set; }
    public DateTimeOffset OfferedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    public IReadOnlyList<string> RoleList => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class PendingRoleGrantConfiguration : IEntityTypeConfiguration<PendingRoleGrant>
{
    public void Configure(EntityTypeBuilder<PendingRoleGrant> b)
    {
        b.ToTable("PendingRoleGrants");
        b.Property(g => g.Id).ValueGeneratedNever();
        b.Property(g => g.Roles).HasMaxLength(PendingRoleGrant.MaxRoles);
        b.Property(g => g.Email).HasMaxLength(320);
        b.Property(g => g.OfferedByName).HasMaxLength(AuditLog.MaxText);
        b.Ignore(g => g.RoleList);
        b.HasOne<StaffMember>().WithMany().HasForeignKey(g => g.StaffId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(g => g.StaffId).IsUnique();
        b.HasIndex(g => g.SchoolId);
    }
}

/// <summary>Roles offered to a member of staff and not yet accepted, as the staff list shows them.</summary>
/// <param name="Since">When they were offered (the link emailed).</param>
/// <param name="Until">When the link runs out; after that the offer stays, unaccepted, until withdrawn or made again.</param>
public sealed record PendingRolesDto(IReadOnlyList<string> Roles, DateTimeOffset Since, DateTimeOffset Until, string OfferedBy);

/// <param name="Grant">The offer's id, from the emailed link.</param>
/// <param name="Token">The token, from the emailed link.</param>
public sealed record AcceptRoleRequest(string? Grant, string? Token, string? NewPassword);

/// <summary>What the leaders of a school are told about a change to who holds a role that opens safeguarding records.</summary>
public enum SafeguardingRoleEvent
{
    /// <summary>A new account was made with the role (and its owner invited to choose a password).</summary>
    Invited,
    /// <summary>The role was offered to an existing account, and waits for its owner to accept it.</summary>
    Offered,
    /// <summary>The owner accepted the role: they hold it now.</summary>
    Accepted,
    /// <summary>An offer not yet accepted was withdrawn.</summary>
    Withdrawn,
    /// <summary>The role was taken away.</summary>
    Removed,
    /// <summary>
    /// A leader's access was restored: the role they held before it ended is offered to them again,
    /// and waits for them to accept it (an admin may have set the account's password meanwhile).
    /// </summary>
    Restored,
}

/// <summary>
/// Roles that open safeguarding records (DSL, senior leader) reach an existing account only through
/// its owner's mailbox (<see cref="SafeguardingRolesByEmail"/>), and nobody gains or loses them quietly.
/// <list type="bullet">
/// <item>An offer emails the member a link (<see cref="ClockResetTokenProvider"/>, purpose
/// <see cref="Purpose"/>: it works within <see cref="ClockResetTokenProvider.InvitationLifespan"/>, for
/// the address it was sent to, while the offer stands).</item>
/// <item>Accepting sets a password of the member's own choosing (the one an admin may know stops
/// working), ends every sign-in made before (a new security stamp), turns two-factor sign-in off with
/// a new authenticator key and no recovery codes (the member sets up their own when they next sign in,
/// as these roles require), and only then adds the roles.</item>
/// <item>Every role given (a new account's too), offered, accepted, withdrawn or taken away is
/// emailed to every other current DSL and senior leader of the school, and audited
/// (<see cref="NotifyAsync"/>).</item>
/// </list>
/// Nothing here saves: the caller saves the change with the offer, its emails and audit entries together.
/// </summary>
public sealed class SafeguardingRoleGrants(UserManager<StaffMember> users, ChaperoneDbContext db, EmailOptions email, FamilyLinks links, TimeProvider clock, OutboxSignal outbox)
{
    /// <summary>The token purpose of an offer's link, followed by the offer's id.</summary>
    public const string Purpose = "RoleGrant:";

    public const string LinkUnusable = "This link has run out, has been used, or the offer was withdrawn. Ask your school's admin to give you the role again.";

    public static bool IsGrantPurpose(string purpose) => purpose.StartsWith(Purpose, StringComparison.Ordinal);

    /// <summary>How a role is named in the emails and on the pages.</summary>
    public static string RoleName(string role) => role switch
    {
        People.Roles.Dsl => "DSL",
        People.Roles.Slt => "senior leader",
        _ => role,
    };

    /// <summary>"DSL role", "DSL and senior leader roles".</summary>
    public static string RolesText(IReadOnlyCollection<string> roles) =>
        string.Join(" and ", roles.Select(RoleName)) + (roles.Count == 1 ? " role" : " roles");

    /// <summary>
    /// Inside a write transaction, waits until no other change of the member's roles or offer is
    /// under way (<see cref="WriteTransaction.TakeTurnAsync"/>): two admins saving at once, or an
    /// acceptance meeting a withdrawal, then come one after the other, each reading what the last wrote
    /// (the member is read again once the turn is taken, so a change saved by the one before is built on).
    /// </summary>
    public static async Task TakeTurnAsync(ChaperoneDbContext db, StaffMember member, CancellationToken ct)
    {
        await WriteTransaction.TakeTurnAsync(db, $"staff-roles:{Ids.Format(member.Id)}", ct);
        await db.Entry(member).ReloadAsync(ct);
    }

    /// <summary>The member's offer, if there is one (run out or not).</summary>
    public Task<PendingRoleGrant?> FindAsync(StaffMember member, CancellationToken ct) =>
        db.Set<PendingRoleGrant>().FirstOrDefaultAsync(g => g.StaffId == member.Id && g.SchoolId == member.SchoolId, ct);

    /// <summary>
    /// Makes the member's offer <paramref name="roles"/>, emailed to their current address: an offer of
    /// the same roles to the same address still running is left as it is; any other is replaced (its
    /// link stops working); no roles withdraws it. An offer on restoring a leaver's access
    /// (<see cref="SafeguardingRoleEvent.Restored"/>) is always made afresh, and says so.
    /// </summary>
    public async Task OfferAsync(ClaimsPrincipal admin, StaffMember member, IReadOnlyCollection<string> roles, CancellationToken ct,
        SafeguardingRoleEvent why = SafeguardingRoleEvent.Offered)
    {
        var now = clock.GetUtcNow();
        var held = await FindAsync(member, ct);
        var wanted = string.Join(',', People.Roles.All.Where(roles.Contains));
        var restored = why == SafeguardingRoleEvent.Restored;
        if (!restored && held is not null && held.Roles == wanted && held.Email == member.Email && held.ExpiresAt > now)
        {
            return;
        }
        if (roles.Count == 0)
        {
            await WithdrawAsync(admin, member, ct);
            return;
        }
        if (held is not null)
        {
            db.Remove(held);
        }
        var actor = AuditActor.From(admin);
        var grant = new PendingRoleGrant
        {
            SchoolId = member.SchoolId, StaffId = member.Id, Roles = wanted, Email = member.Email!,
            OfferedById = actor.Id, OfferedByName = actor.Name, OfferedAt = now, ExpiresAt = now + ClockResetTokenProvider.InvitationLifespan,
        };
        db.Add(grant);
        var school = await SchoolAsync(member.SchoolId, ct);
        var token = await users.GenerateUserTokenAsync(member, ClockResetTokenProvider.Name, Purpose + Ids.Format(grant.Id));
        var link = new Uri(links.BaseUrl, $"/account/accept-role?grant={Ids.Format(grant.Id)}&token={token}");
        var what = RolesText(grant.RoleList);
        var body = new MailBody()
            .Paragraph($"Dear {member.Name},")
            .Strong(restored
                ? $"{actor.Name} has restored your access to {school.Name}'s Chaperone. The {what} you held or had been offered before {(grant.RoleList.Count == 1 ? "is" : "are")} offered to you again."
                : $"{actor.Name} has given you the {what} in {school.Name}'s Chaperone.")
            .Paragraph($"The {what} opens the school's safeguarding records and concerns, so it is yours only once you accept it here, by choosing a new password of your own. "
                + $"Accepting ends every sign-in to your account, and you set up two-factor sign-in with your own authenticator app when you next sign in. The link works within {ClockResetTokenProvider.InvitationLifespan.Days} days.")
            .Link($"Accept the {what}", link.ToString())
            .Paragraph("If you did not expect this, do not accept it: tell your school's designated safeguarding lead or headteacher.");
        db.OutboxMessages.Add(MessageComposer.ReadyMade(email, member.SchoolId, school.Name, MessageKind.SafeguardingRoleOffered, "staff", (member.Id, member.Name, member.Email!),
            $"Accept the {what} in Chaperone", body, now));
        AuditLog.Record(db, admin, AuditActions.SafeguardingRoleOffered, AuditSubjects.Staff, member.Id,
            new { roles = grant.RoleList, grant.Email, expiresAt = grant.ExpiresAt, replaced = held is not null, accessRestored = restored });
        await NotifyAsync(member, actor, restored ? SafeguardingRoleEvent.Restored : SafeguardingRoleEvent.Offered, grant.RoleList, ct);
    }

    /// <summary>Withdraws the member's offer, if they have one (its link stops working); whether there was one.</summary>
    public async Task<bool> WithdrawAsync(ClaimsPrincipal admin, StaffMember member, CancellationToken ct)
    {
        if (await FindAsync(member, ct) is not { } held)
        {
            return false;
        }
        db.Remove(held);
        AuditLog.Record(db, admin, AuditActions.SafeguardingRoleOfferWithdrawn, AuditSubjects.Staff, member.Id, new { roles = held.RoleList, offeredAt = held.OfferedAt });
        await NotifyAsync(member, AuditActor.From(admin), SafeguardingRoleEvent.Withdrawn, held.RoleList, ct);
        return true;
    }

    /// <summary>Wakes the outbox after the caller has saved what was written here.</summary>
    public void Sent() => outbox.Wake();

    /// <summary>Whether the link's offer can still be accepted (for the page to say so before anyone types a password).</summary>
    public async Task<bool> IsUsableAsync(string? grantId, string? token) => (await OfferForAsync(grantId, token)).Grant is not null;

    /// <summary>
    /// Accepts the offer through its link: the fields to fix (<c>token</c>, <c>newPassword</c>), none when
    /// the roles are the member's. All of it is saved together, or none.
    /// </summary>
    public async Task<Dictionary<string, string[]>> AcceptAsync(AcceptRoleRequest request, CancellationToken ct)
    {
        var (grant, member) = await OfferForAsync(request.Grant, request.Token);
        var errors = await ForgottenPasswords.NewPasswordErrorsAsync(users, member, request.NewPassword);
        if (grant is null)
        {
            errors["token"] = [LinkUnusable];
        }
        if (errors.Count > 0 || grant is null || member is null)
        {
            return errors;
        }
        await using var write = await WriteTransaction.BeginAsync(db, ct);
        await TakeTurnAsync(db, member, ct);
        // Taken by deleting it: of two acceptances racing, one deletes it, and the other (waiting for its commit) finds nothing left.
        db.Entry(grant).State = EntityState.Detached;
        if (await db.Set<PendingRoleGrant>().Where(g => g.Id == grant.Id).ExecuteDeleteAsync(ct) != 1)
        {
            return new() { ["token"] = [LinkUnusable] };
        }
        // The password the member chooses replaces any other (one an admin set, or knows), under a new
        // security stamp; the offer's token, checked above, stands for a reset's here.
        errors = await ForgottenPasswords.SetChosenPasswordAsync(users, db, member, await users.GeneratePasswordResetTokenAsync(member), request.NewPassword!, LinkUnusable);
        if (errors.Count > 0)
        {
            return errors;
        }
        // Nobody else's authenticator app or recovery codes stay with the account: the member sets up their own.
        await users.SetTwoFactorEnabledAsync(member, false);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(member, 0);
        await TwoFactor.NewKeyAsync(users, member);
        var actor = new AuditActor(member.Id, member.Name);
        AuditLog.Record(db, member.SchoolId, actor, AuditActions.SafeguardingRoleAccepted, AuditSubjects.Staff, Ids.Format(member.Id),
            new { roles = grant.RoleList, offeredBy = grant.OfferedByName, offeredAt = grant.OfferedAt });
        await NotifyAsync(member, actor, SafeguardingRoleEvent.Accepted, grant.RoleList, ct, offeredBy: grant.OfferedByName);
        // Only now the roles; and a new security stamp once more, so that no sign-in made before carries on.
        var added = await users.AddToRolesAsync(member, grant.RoleList.Where(r => People.Roles.All.Contains(r)));
        if (!added.Succeeded)
        {
            throw new InvalidOperationException($"The roles accepted could not be added: {string.Join(" ", added.Errors.Select(e => e.Description))}");
        }
        await users.UpdateSecurityStampAsync(member);
        await db.SaveChangesAsync(ct);
        await write.CommitAsync(ct);
        outbox.Wake();
        return errors;
    }

    /// <summary>The offer a link names, and its member, while it can be accepted: unexpired, to the member's current address, the member still with access, the token the link's.</summary>
    private async Task<(PendingRoleGrant? Grant, StaffMember? Member)> OfferForAsync(string? grantId, string? token)
    {
        if (!Ids.TryParse(grantId, out var id) || string.IsNullOrEmpty(token) || token.Length > 2000
            || await db.Set<PendingRoleGrant>().FirstOrDefaultAsync(g => g.Id == id) is not { } grant
            || grant.ExpiresAt <= clock.GetUtcNow()
            || await users.FindByIdAsync(Ids.Format(grant.StaffId)) is not { AccessEndedAt: null } member
            || member.SchoolId != grant.SchoolId || !string.Equals(member.Email, grant.Email, StringComparison.OrdinalIgnoreCase)
            || !await users.VerifyUserTokenAsync(member, ClockResetTokenProvider.Name, Purpose + Ids.Format(grant.Id), token))
        {
            return (null, null);
        }
        return (grant, member);
    }

    /// <summary>
    /// Emails every current DSL and senior leader of the member's school but the member (an admin
    /// who made the change is among them only if they hold one of those roles) who was given, offered,
    /// accepted, withdrawn or lost which role, by whom and when; and audits who was told.
    /// </summary>
    public async Task NotifyAsync(StaffMember member, AuditActor by, SafeguardingRoleEvent what, IReadOnlyCollection<string> roles, CancellationToken ct, string? offeredBy = null)
    {
        var now = clock.GetUtcNow();
        var school = await SchoolAsync(member.SchoolId, ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var when = Pages.Display.OnDayAt(now, zone) + " (" + MessageComposer.ZoneLabel(zone) + ")";
        var role = RolesText(roles);
        var (subject, said) = what switch
        {
            SafeguardingRoleEvent.Invited => ($"{member.Name} is given the {role}",
                $"{by.Name} gave {member.Name} ({member.Email}) a new Chaperone account with the {role} {when}. An invitation to choose a password is emailed to that address."),
            SafeguardingRoleEvent.Offered => ($"{member.Name} is offered the {role}",
                $"{by.Name} gave {member.Name} the {role} {when}. It takes effect only once they accept it through the link emailed to {member.Email}, by choosing a new password of their own."),
            SafeguardingRoleEvent.Accepted => ($"{member.Name} now holds the {role}",
                $"{member.Name} accepted the {role} that {offeredBy ?? "an admin"} gave them, {when}, through the link emailed to {member.Email}. They hold it now."),
            SafeguardingRoleEvent.Restored => ($"{member.Name} has access again and is offered the {role}",
                $"{by.Name} restored the access of {member.Name}, whose access had ended, {when}. The {role} they held or had been offered before {(roles.Count == 1 ? "is" : "are")} not theirs again until they accept {(roles.Count == 1 ? "it" : "them")} through the link emailed to {member.Email}, by choosing a new password of their own."),
            SafeguardingRoleEvent.Withdrawn => ($"The {role} offered to {member.Name} is withdrawn",
                $"{by.Name} withdrew the {role} offered to {member.Name} {when}, before they accepted it."),
            _ => ($"{member.Name} no longer holds the {role}",
                $"{by.Name} took the {role} away from {member.Name} {when}."),
        };
        var told = new List<string>();
        foreach (var leader in (await StaffWithRole.ListAsync(db, member.SchoolId, People.Roles.Dsl, ct))
                     .Concat(await StaffWithRole.ListAsync(db, member.SchoolId, People.Roles.Slt, ct))
                     .DistinctBy(l => l.Id).Where(l => l.Id != member.Id && l.Email is not null))
        {
            var body = new MailBody()
                .Paragraph($"Dear {leader.Name},")
                .Strong(said)
                .Paragraph("You are told because you hold the DSL or senior leader role in the school's Chaperone: these roles open safeguarding records and concerns, so nobody gains or loses them unseen. "
                    + "If you did not expect this change, raise it with the headteacher at once. It is in the school's audit trail.");
            db.OutboxMessages.Add(MessageComposer.ReadyMade(email, member.SchoolId, school.Name, MessageKind.SafeguardingRoleChanged, "staff",
                (leader.Id, leader.Name, leader.Email!), "Safeguarding roles: " + subject, body, now));
            told.Add(leader.Name);
        }
        AuditLog.Record(db, member.SchoolId, by, AuditActions.SafeguardingRoleChangeNotified, AuditSubjects.Staff, Ids.Format(member.Id),
            new { change = what.ToString().ToLowerInvariant(), roles, told });
    }

    private async Task<(string Name, string TimeZoneId)> SchoolAsync(Guid schoolId, CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).SingleAsync(ct);
        return (school.Name, school.TimeZoneId);
    }
}
