using Chaperone.Audit;
using Chaperone.Families;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Identity;

public sealed record ForgottenPasswordRequest(string? Email);

/// <param name="User">The account's id, from the emailed link.</param>
/// <param name="Token">The token, from the emailed link.</param>
public sealed record ResetPasswordRequest(string? User, string? Token, string? NewPassword);

/// <summary>
/// A member of staff who has forgotten their password asks for a link by email, and chooses a new
/// one through it (<see cref="ClockResetTokenProvider"/>: it works once, within an hour).
/// <list type="bullet">
/// <item>The answer to a request is the same whether or not the address has an account, and as
/// quick (the link is made in the background), so asking tells nobody who has one. A leaver's address gets no link (their school's trail notes the
/// try), and an account gets at most <see cref="MostPerHour"/> links an hour, so the form cannot
/// be used to flood anyone's inbox.</item>
/// <item>The email goes through the outbox like every other (retried, and in the mail folder by
/// default), and is not among the messages staff can read there.</item>
/// <item>A new password chosen through the link lifts any lockout (the link proves the mailbox),
/// leaves two-factor sign-in as it was, and gives the account a new security stamp: other links
/// stop working, and every sign-in made before ends (<see cref="StaffAccess"/>).</item>
/// </list>
/// </summary>
public sealed class ForgottenPasswords(
    UserManager<StaffMember> users, ChaperoneDbContext db, EmailOptions email, FamilyLinks links, TimeProvider clock,
    Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes, PasswordLinkSignal requests, ILogger<ForgottenPasswords> log)
{
    public const int MostPerHour = 3;

    /// <summary>The purpose of a new account's invitation token (<see cref="InvitationAsync"/>): it sets a password as a reset's does, for longer.</summary>
    public const string InvitationPurpose = "Invitation";

    public const string LinkSent = "If that address belongs to a Chaperone account, a link to choose a new password is on its way to it. The link works once, within an hour.";

    public const string LinkUnusable = "This link has run out or has already been used. Ask for a new one.";

    /// <summary>Who asks for a link, as the audit trail names them: whoever filled in the form.</summary>
    private static readonly AuditActor NotSignedIn = new(null, "Someone not signed in");

    /// <summary>
    /// Takes a request for a link: the fields to fix (<c>email</c>), or none when it was taken. The
    /// request is kept in the database (<see cref="PasswordLinkRequest"/>) and the account looked
    /// for and the link written in the background (<see cref="PasswordLinkSender"/>), so the answer
    /// comes as fast for an address with an account as for one without (its timing tells nobody
    /// who has one), and a request taken just before the app stops is dealt with when it starts.
    /// </summary>
    public async Task<Dictionary<string, string[]>> RequestAsync(ForgottenPasswordRequest request, CancellationToken ct)
    {
        var address = request.Email?.Trim();
        if (string.IsNullOrEmpty(address) || address.Length > PasswordLinkRequest.MaxAddress || address.Any(char.IsControl) || !address.Contains('@'))
        {
            return new() { ["email"] = ["Enter the email address you sign in with."] };
        }
        db.Set<PasswordLinkRequest>().Add(new PasswordLinkRequest { Address = address, RequestedAt = clock.GetUtcNow() });
        await db.SaveChangesAsync(ct);
        requests.Wake();
        return [];
    }

    /// <summary>Writes the email of a link to the account at <paramref name="address"/>, if there is one to send to (<see cref="PasswordLinkSender"/> calls it, and commits it).</summary>
    public async Task SendLinkAsync(string address, CancellationToken ct)
    {
        var user = await users.FindByEmailAsync(address);
        if (user is null)
        {
            log.LogInformation("A password link was asked for an address with no account.");
            return;
        }
        var now = clock.GetUtcNow();
        if (user.AccessEndedAt is not null)
        {
            AuditLog.Record(db, user.SchoolId, NotSignedIn, AuditActions.PasswordResetRefused, AuditSubjects.Staff, Ids.Format(user.Id), new { reason = "access ended" });
            await db.SaveChangesAsync(ct);
            return;
        }
        var since = now - TimeSpan.FromHours(1);
        if (await db.OutboxMessages.CountAsync(m => m.SchoolId == user.SchoolId && m.CreatedAt > since && m.RecipientId == user.Id && m.Kind == MessageKind.PasswordReset, ct) >= MostPerHour)
        {
            log.LogWarning("Password links for staff member {StaffId} were asked for more than {Most} times in an hour; no more sent.", user.Id, MostPerHour);
            return;
        }
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == user.SchoolId).Select(s => s.Name).SingleAsync(ct);
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = new Uri(links.BaseUrl, $"/account/reset-password?user={Ids.Format(user.Id)}&token={token}");
        var body = new MailBody()
            .Paragraph($"Dear {user.Name},")
            .Paragraph("Someone, probably you, asked to choose a new password for your Chaperone account. Choose it here; the link works once, within an hour:")
            .Link("Choose a new password", link.ToString())
            .Paragraph("If you did not ask, you need do nothing: your password stays as it is. If it keeps happening, tell your school's admin.");
        db.OutboxMessages.Add(Compose(user, school, "Choose a new Chaperone password", body, now));
        AuditLog.Record(db, user.SchoolId, NotSignedIn, AuditActions.PasswordResetEmailed, AuditSubjects.Staff, Ids.Format(user.Id), new { user.Email });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Whether the link's account and token can still set a password (for the page to say so before anyone types one).</summary>
    public async Task<bool> IsUsableAsync(string? userId, string? token) => (await AccountForAsync(userId, token)).User is not null;

    /// <summary>Sets the new password through the link; answers the fields to fix (<c>token</c>, <c>newPassword</c>), none when set.</summary>
    public async Task<Dictionary<string, string[]>> ResetAsync(ResetPasswordRequest request, CancellationToken ct)
    {
        var (user, invited) = await AccountForAsync(request.User, request.Token);
        var errors = await NewPasswordErrorsAsync(users, user, request.NewPassword);
        if (user is null)
        {
            errors["token"] = [LinkUnusable];
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        AuditLog.Record(db, user!.SchoolId, new AuditActor(user.Id, user.Name), AuditActions.PasswordResetByEmail, AuditSubjects.Staff, Ids.Format(user.Id));
        // An invitation's token, checked above, stands for a reset's here.
        return await SetChosenPasswordAsync(users, db, user, invited ? await users.GeneratePasswordResetTokenAsync(user) : request.Token!, request.NewPassword!, LinkUnusable);
    }

    /// <summary>The error of a new password that is missing or too long to check (<c>newPassword</c>); none when it can be checked.</summary>
    public static Dictionary<string, string[]> NewPasswordErrors(string? newPassword) =>
        string.IsNullOrEmpty(newPassword) || newPassword.Length > 1000 ? new() { ["newPassword"] = ["Enter a new password of at least 10 characters."] } : [];

    /// <summary>
    /// What is wrong with a new password (<c>newPassword</c>): missing, too long to check, or against
    /// the password rules (too short, say). It is checked whether or not the link can be used, so
    /// that a refusal says everything to fix at once; <paramref name="user"/> is the link's account
    /// when it has one.
    /// </summary>
    public static async Task<Dictionary<string, string[]>> NewPasswordErrorsAsync(UserManager<StaffMember> users, StaffMember? user, string? newPassword)
    {
        var errors = NewPasswordErrors(newPassword);
        if (errors.Count > 0)
        {
            return errors;
        }
        var broken = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var checkedPassword = await validator.ValidateAsync(users, user ?? new StaffMember { Name = "" }, newPassword);
            broken.AddRange(checkedPassword.Errors.Select(e => e.Description));
        }
        return broken.Count > 0 ? new() { ["newPassword"] = [string.Join(" ", broken)] } : [];
    }

    /// <summary>
    /// Sets the password a member of staff chose through a link emailed to them: checks the reset
    /// token and the password's rules, then saves the new hash, what else is pending on the context
    /// (the audit entry) and a new security stamp together, and lifts any lockout (the link proves the
    /// mailbox). A refusal keeps nothing: the fields to fix (<c>token</c> with <paramref name="unusable"/>, <c>newPassword</c>).
    /// </summary>
    public static async Task<Dictionary<string, string[]>> SetChosenPasswordAsync(UserManager<StaffMember> users, ChaperoneDbContext db, StaffMember user,
        string resetToken, string newPassword, string unusable)
    {
        user.MustChangePassword = false;
        var reset = await users.ResetPasswordAsync(user, resetToken, newPassword);
        if (!reset.Succeeded)
        {
            db.ChangeTracker.Clear();
            return reset.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken))
                ? new() { ["token"] = [unusable] }
                : new() { ["newPassword"] = [string.Join(" ", reset.Errors.Select(e => e.Description))] };
        }
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return [];
    }

    /// <summary>The account a link's token sets the password of, and whether it is a new account's invitation; no account when the link cannot be used.</summary>
    private async Task<(StaffMember? User, bool Invitation)> AccountForAsync(string? userId, string? token)
    {
        if (!Ids.TryParse(userId, out var id) || string.IsNullOrEmpty(token) || token.Length > 2000
            || await users.FindByIdAsync(Ids.Format(id)) is not { AccessEndedAt: null } user)
        {
            return (null, false);
        }
        if (await users.VerifyUserTokenAsync(user, ClockResetTokenProvider.Name, UserManager<StaffMember>.ResetPasswordTokenPurpose, token))
        {
            return (user, false);
        }
        return await users.VerifyUserTokenAsync(user, ClockResetTokenProvider.Name, InvitationPurpose, token) ? (user, true) : (null, false);
    }

    /// <summary>
    /// The email inviting the owner of a new account (one made without a password, by a staff import)
    /// to choose their password, through a link that works once within <see cref="ClockResetTokenProvider.InvitationLifespan"/>;
    /// where the installation offers it, it says they may sign in with Microsoft instead. The caller adds it to the outbox with the account.
    /// </summary>
    public async Task<OutboxMessage> InvitationAsync(StaffMember user, string schoolName)
    {
        var token = await users.GenerateUserTokenAsync(user, ClockResetTokenProvider.Name, InvitationPurpose);
        var link = new Uri(links.BaseUrl, $"/account/reset-password?user={Ids.Format(user.Id)}&token={token}");
        var days = ClockResetTokenProvider.InvitationLifespan.Days;
        var body = new MailBody()
            .Paragraph($"Dear {user.Name},")
            .Paragraph($"{schoolName} holds its video calls with pupils and their families through Chaperone, which keeps each call to the school's policy. An account has been made for you, to sign in with this address ({user.Email}).")
            .Paragraph($"Choose your password here; the link works once, within {days} days:")
            .Link("Choose your password", link.ToString());
        if (await schemes.GetSchemeAsync(MicrosoftSignIn.Scheme) is not null)
        {
            body.Paragraph("Or sign in with Microsoft, with the account the school gave you for Microsoft 365 and Teams:")
                .Link("Sign in to Chaperone", new Uri(links.BaseUrl, "/signin").ToString());
        }
        body.Paragraph("If the link has run out, choose “Forgotten your password?” on the sign-in page.");
        return Compose(user, schoolName, "Your Chaperone account", body, clock.GetUtcNow());
    }

    /// <summary>A password link's email to <paramref name="user"/> (<see cref="MessageKind.PasswordReset"/>, kept out of the outbox staff read).</summary>
    private OutboxMessage Compose(StaffMember user, string schoolName, string subject, MailBody body, DateTimeOffset now) =>
        MessageComposer.ReadyMade(email, user.SchoolId, schoolName, MessageKind.PasswordReset, "staff", (user.Id, user.Name, user.Email!), subject, body, now);
}

/// <summary>A request for a password link, kept until <see cref="PasswordLinkSender"/> deals with it (not a school's: the address may be nobody's).</summary>
public sealed class PasswordLinkRequest
{
    public const int MaxAddress = 320;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Address { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
}

internal sealed class PasswordLinkRequestConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<PasswordLinkRequest>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<PasswordLinkRequest> b)
    {
        b.ToTable("PasswordLinkRequests");
        b.Property(r => r.Address).HasMaxLength(PasswordLinkRequest.MaxAddress);
        b.HasIndex(r => r.RequestedAt);
    }
}

/// <summary>Wakes this instance's <see cref="PasswordLinkSender"/> when a request has been kept.</summary>
public sealed class PasswordLinkSignal : WakeSignal;

/// <summary>
/// Deals with the password link requests (<see cref="PasswordLinkRequest"/>), oldest first, each in
/// its own scope and transaction: the request is taken by deleting it, and the link's email and
/// audit entry are committed with that deletion, so each request is dealt with once, on one
/// instance, and none is lost (one whose instance stops midway stays, and is dealt with later). A
/// request more than an hour old (the app was down) is dropped unanswered: its sender will have
/// asked again, and a link arriving long after would only puzzle them.
/// </summary>
public sealed class PasswordLinkSender(PasswordLinkSignal signal, OutboxSignal outbox, IServiceScopeFactory scopes, TimeProvider clock, ILogger<PasswordLinkSender> log)
    : BackgroundService
{
    /// <summary>How often requests are looked for when nothing wakes the sender (another instance's, or left by a stop).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a request waits at most.</summary>
    public static readonly TimeSpan DroppedAfter = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (and migrations finish) before the first look.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var lookedAt = clock.GetUtcNow();
            try
            {
                while (await SendNextAsync(stoppingToken))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database unreachable, say: the requests stay, and are looked at again later.
                log.LogError(e, "Password link requests could not be dealt with; trying again shortly.");
            }
            try
            {
                await signal.WaitUntilAsync(lookedAt + PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Deals with the oldest waiting request; false when none was waiting.</summary>
    public async Task<bool> SendNextAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChaperoneDbContext>();
        var next = await db.Set<PasswordLinkRequest>().AsNoTracking().OrderBy(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        if (next is null)
        {
            return false;
        }
        try
        {
            await using var transaction = await WriteTransaction.BeginAsync(db, ct);
            // Taken by deleting it: of instances racing for it, one deletes it, and the others
            // (waiting for its commit) find nothing left to delete.
            if (await db.Set<PasswordLinkRequest>().Where(r => r.Id == next.Id).ExecuteDeleteAsync(ct) == 1
                && clock.GetUtcNow() - next.RequestedAt <= DroppedAfter)
            {
                await scope.ServiceProvider.GetRequiredService<ForgottenPasswords>().SendLinkAsync(next.Address, ct);
            }
            await transaction.CommitAsync(ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or System.Data.Common.DbException or DbUpdateException))
        {
            // Not the database (that is tried again, for as long as the request may wait): a request
            // that cannot be dealt with is dropped, so that it holds up no other.
            log.LogError(e, "A password link could not be made; the request is dropped.");
            db.ChangeTracker.Clear();
            await db.Set<PasswordLinkRequest>().Where(r => r.Id == next.Id).ExecuteDeleteAsync(ct);
        }
        outbox.Wake();
        return true;
    }
}
