using System.Text;
using System.Text.RegularExpressions;
using Chaperone.Notifications;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>The links a member of staff is emailed (a new account's invitation, a role offered), read as their recipient would click them.</summary>
public static partial class StaffInvitations
{
    /// <summary>The invitation emailed to <paramref name="address"/>: its link's account id and token.</summary>
    public static async Task<(string User, string Token)> LinkAsync(ChaperoneApp app, string address)
    {
        var text = await TextOfAsync(app, address, MessageKind.PasswordReset, subject => subject == "Your Chaperone account");
        var link = Link().Match(text);
        Assert.True(link.Success, text);
        return (link.Groups["user"].Value, Uri.UnescapeDataString(link.Groups["token"].Value));
    }

    /// <summary>The latest offer of a role emailed to <paramref name="address"/> (<see cref="Chaperone.People.SafeguardingRoleGrants"/>): its link's offer id and token.</summary>
    public static async Task<(string Grant, string Token)> RoleOfferAsync(ChaperoneApp app, string address)
    {
        var text = await TextOfAsync(app, address, MessageKind.SafeguardingRoleOffered, subject => subject.StartsWith("Accept the ", StringComparison.Ordinal));
        var link = OfferLink().Match(text);
        Assert.True(link.Success, text);
        return (link.Groups["grant"].Value, Uri.UnescapeDataString(link.Groups["token"].Value));
    }

    /// <summary>The plain text of the latest link of <paramref name="kind"/> emailed to <paramref name="address"/> whose subject <paramref name="subject"/> accepts.</summary>
    private static async Task<string> TextOfAsync(ChaperoneApp app, string address, MessageKind kind, Func<string, bool> subject)
    {
        var mimes = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.RecipientEmail == address && m.Kind == kind)
            .OrderBy(m => m.Id).Select(m => m.Mime!).ToListAsync());
        foreach (var mime in Enumerable.Reverse(mimes))
        {
            using var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(Encoding.ASCII.GetBytes(mime)));
            if (subject(message.Subject ?? ""))
            {
                return message.TextBody ?? "";
            }
        }
        Assert.Fail($"No such link was emailed to {address}.");
        return "";
    }

    [GeneratedRegex(@"/account/reset-password\?user=(?<user>[^&\s]+)&token=(?<token>[^\s>\]]+)")]
    private static partial Regex Link();

    [GeneratedRegex(@"/account/accept-role\?grant=(?<grant>[^&\s]+)&token=(?<token>[^\s>\]]+)")]
    private static partial Regex OfferLink();
}
