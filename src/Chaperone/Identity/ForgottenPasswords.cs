using Chaperone.Audit;
using Chaperone.Families;
using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Chaperone.People;
using Chaperone.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MimeKit;

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
    UserManager<StaffMember> users, ChaperoneDbContext db, EmailOptions email, FamilyLinks links, OutboxSignal outbox, TimeProvider clock,
    Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes, PasswordLinkRequests requests, ILogger<ForgottenPasswords> log)
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
    /// link is looked for and written in the background (<see cref="PasswordLinkRequests"/>), so the
    /// answer comes as fast for an address with an account as for one without: its timing tells nobody who has one.
    /// </summary>
    public Dictionary<string, string[]> Request(ForgottenPasswordRequest request)
    {
        var address = request.Email?.Trim();
        if (string.IsNullOrEmpty(address) || address.Length > 320 || address.Any(char.IsControl) || !address.Contains('@'))
        {
            return new() { ["email"] = ["Enter the email address you sign in with."] };
        }
        requests.Enqueue(address);
        return [];
    }

    /// <summary>Emails a link to the account at <paramref name="address"/>, if there is one to send to (<see cref="PasswordLinkSender"/> calls it).</summary>
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
        outbox.Wake();
    }

    /// <summary>Whether the link's account and token can still set a password (for the page to say so before anyone types one).</summary>
    public async Task<bool> IsUsableAsync(string? userId, string? token) => (await AccountForAsync(userId, token)).User is not null;

    /// <summary>Sets the new password through the link; answers the fields to fix (<c>token</c>, <c>newPassword</c>), none when set.</summary>
    public async Task<Dictionary<string, string[]>> ResetAsync(ResetPasswordRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.NewPassword) || request.NewPassword.Length > 1000)
        {
            errors["newPassword"] = ["Enter a new password of at least 10 characters."];
        }
        var (user, invited) = await AccountForAsync(request.User, request.Token);
        if (user is null)
        {
            errors["token"] = [LinkUnusable];
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        user!.MustChangePassword = false;
        AuditLog.Record(db, user.SchoolId, new AuditActor(user.Id, user.Name), AuditActions.PasswordResetByEmail, AuditSubjects.Staff, Ids.Format(user.Id));
        // Checks the token and the new password's rules, then saves the new hash, the audit entry
        // and a new security stamp together.
        // An invitation's token, checked above, stands for a reset's here.
        var reset = await users.ResetPasswordAsync(user, invited ? await users.GeneratePasswordResetTokenAsync(user) : request.Token!, request.NewPassword!);
        if (!reset.Succeeded)
        {
            // Nothing of a refused reset is kept.
            db.ChangeTracker.Clear();
            return reset.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken))
                ? new() { ["token"] = [LinkUnusable] }
                : new() { ["newPassword"] = [string.Join(" ", reset.Errors.Select(e => e.Description))] };
        }
        // The link proves the mailbox: a lockout from guessing ends.
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        return errors;
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
    private OutboxMessage Compose(StaffMember user, string schoolName, string subject, MailBody body, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7();
        var messageId = MessageComposer.MessageIdOf(id, email);
        var message = MessageComposer.Envelope(email, schoolName, user.Name, user.Email!, subject, now, messageId);
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = body.ToText() },
            new TextPart("html") { Text = body.ToHtml(schoolName) },
        };
        return new OutboxMessage
        {
            Id = id,
            SchoolId = user.SchoolId,
            Kind = MessageKind.PasswordReset,
            RecipientRole = "staff",
            RecipientId = user.Id,
            RecipientName = user.Name,
            RecipientEmail = user.Email!,
            Subject = subject,
            MessageIdHeader = messageId,
            Mime = MessageComposer.SevenBit(message),
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }
}

/// <summary>
/// The requests for password links waiting to be dealt with, in order, in this instance: taken at
/// once by the request, worked through by <see cref="PasswordLinkSender"/>. One lost when the
/// instance stops is asked for again by its sender; a full queue drops new ones (the log says so).
/// </summary>
public sealed class PasswordLinkRequests(ILogger<PasswordLinkRequests> log)
{
    private readonly System.Threading.Channels.Channel<string> _queue =
        System.Threading.Channels.Channel.CreateBounded<string>(new System.Threading.Channels.BoundedChannelOptions(10_000) { SingleReader = true });

    private int _pending;

    /// <summary>Requests taken and not yet dealt with.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public void Enqueue(string address)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(address))
        {
            Interlocked.Decrement(ref _pending);
            log.LogWarning("Too many password link requests are waiting; one was dropped.");
        }
    }

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken ct) => _queue.Reader.ReadAllAsync(ct);

    public void Done() => Interlocked.Decrement(ref _pending);
}

/// <summary>Deals with the password link requests (<see cref="PasswordLinkRequests"/>) one by one, each in its own scope.</summary>
public sealed class PasswordLinkSender(PasswordLinkRequests requests, IServiceScopeFactory scopes, ILogger<PasswordLinkSender> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var address in requests.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ForgottenPasswords>().SendLinkAsync(address, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "A password link could not be made.");
            }
            finally
            {
                requests.Done();
            }
        }
    }
}
