using System.Text;
using System.Text.RegularExpressions;
using Chaperone.Notifications;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Tests.Infrastructure;

/// <summary>The invitation a new member of staff is emailed, read as its recipient would click it.</summary>
public static partial class StaffInvitations
{
    /// <summary>The invitation emailed to <paramref name="address"/>: its link's account id and token.</summary>
    public static async Task<(string User, string Token)> LinkAsync(ChaperoneApp app, string address)
    {
        var mime = await app.WithDbAsync(db => db.OutboxMessages.Where(m => m.RecipientEmail == address && m.Kind == MessageKind.PasswordReset).Select(m => m.Mime!).SingleAsync());
        using var message = await MimeKit.MimeMessage.LoadAsync(new MemoryStream(Encoding.ASCII.GetBytes(mime)));
        Assert.Equal("Your Chaperone account", message.Subject);
        var link = Link().Match(message.TextBody ?? "");
        Assert.True(link.Success, message.TextBody);
        return (link.Groups["user"].Value, Uri.UnescapeDataString(link.Groups["token"].Value));
    }

    [GeneratedRegex(@"/account/reset-password\?user=(?<user>[^&\s]+)&token=(?<token>[^\s>\]]+)")]
    private static partial Regex Link();
}
