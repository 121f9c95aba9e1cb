using System.Net;
using Chaperone.People;
using Microsoft.AspNetCore.Identity;

namespace Chaperone.Identity;

/// <summary>
/// A sign-in that names no account. It is refused as slowly as a wrong password: the password is
/// still hashed, which costs what checking it against an account's hash costs, so the time taken
/// does not tell which addresses have accounts. No school's audit trail can hold it, so it goes to
/// the log with the client's address (not the address typed, which may be a mistyped password).
/// </summary>
public static partial class UnknownAccount
{
    public static void Refuse(UserManager<StaffMember> users, string password, ILogger log, IPAddress? from)
    {
        users.PasswordHasher.HashPassword(new StaffMember { Name = "" }, password);
        SignInNamedNoAccount(log, from?.ToString() ?? "unknown");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sign-in named no account, from {Client}.")]
    private static partial void SignInNamedNoAccount(ILogger log, string client);
}
