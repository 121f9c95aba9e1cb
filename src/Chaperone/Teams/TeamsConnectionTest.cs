using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Graph.Models.ODataErrors;

namespace Chaperone.Teams;

/// <summary>One finding of the connection test: what was checked, whether it holds, and what to do if not.</summary>
public sealed record ConnectionCheck(string Check, bool Ok, string Message);

/// <summary>The connection test's result: every check, and whether all hold.</summary>
public sealed record ConnectionTestResult(bool Ok, IReadOnlyList<ConnectionCheck> Checks);

/// <summary>Graph's error codes turned into what a school's IT administrator must do.</summary>
public static class GraphErrors
{
    public static string Describe(ODataError e)
    {
        var code = e.Error?.Code ?? "";
        var message = e.Error?.Message ?? e.Message;
        if (message.Contains("application access policy", StringComparison.OrdinalIgnoreCase))
        {
            return "No application access policy allows this app to act for the teacher: run New-CsApplicationAccessPolicy and Grant-CsApplicationAccessPolicy in Teams PowerShell (README).";
        }
        return code switch
        {
            "MailboxNotEnabledForRESTAPI" or "MailboxNotFound" or "ResourceNotFound" when message.Contains("mailbox", StringComparison.OrdinalIgnoreCase) =>
                "The teacher has no Exchange Online mailbox: assign a Microsoft 365 licence that includes Exchange Online and Teams.",
            "Request_ResourceNotFound" or "ResourceNotFound" => $"Microsoft 365 does not know this account ({message}). Check the teacher's mapped account.",
            "ErrorAccessDenied" or "Authorization_RequestDenied" or "Forbidden" or "AccessDenied" =>
                $"Access denied by Microsoft Graph ({code}: {message}). Grant the app's application permissions with admin consent (README).",
            "InvalidAuthenticationToken" => $"Microsoft Graph refused the token ({message}).",
            _ => $"Microsoft Graph answered {e.ResponseStatusCode} {code}: {message}",
        };
    }

    /// <summary>A token failure, by its AADSTS code. Never includes the secret (Entra never echoes it).</summary>
    public static string DescribeToken(AuthenticationFailedException e)
    {
        var text = e.InnerException?.Message ?? e.Message;
        var hint = text switch
        {
            _ when text.Contains("AADSTS7000215", StringComparison.Ordinal) => "the client secret is wrong",
            _ when text.Contains("AADSTS7000222", StringComparison.Ordinal) => "the client secret has expired",
            _ when text.Contains("AADSTS700016", StringComparison.Ordinal) => "no app with this client id exists in the tenant",
            _ when text.Contains("AADSTS90002", StringComparison.Ordinal) => "the tenant id is not known",
            _ => "see the message",
        };
        var firstLine = text.Split('\n')[0].Trim();
        return $"Could not get a token from Microsoft Entra: {hint} ({firstLine}).";
    }
}

/// <summary>
/// Tests a school's Teams connection step by step, and says exactly what is missing: the app
/// registration's settings, a token, each application permission (from the token's roles), and
/// for each mapped teacher, the account, its licence, calendar access and the application access
/// policy for online meetings.
/// </summary>
public sealed class TeamsConnectionTest(ChaperoneDbContext db, TeamsConnections connections)
{
    public async Task<ConnectionTestResult> RunAsync(Guid schoolId, CancellationToken ct)
    {
        var checks = new List<ConnectionCheck>();
        var connection = await connections.ConnectAsync(db, schoolId, ct);
        if (connection is TeamsConnection.NotConfigured nc)
        {
            checks.Add(new("App registration", false, nc.Missing));
            return new(false, checks);
        }
        var ready = (TeamsConnection.Ready)connection;
        checks.Add(new("App registration", true, "Tenant id, client id and client secret are set."));

        AccessToken token;
        try
        {
            token = await ready.Credential.GetTokenAsync(new TokenRequestContext([ready.Scope]), ct);
            checks.Add(new("Token", true, "Microsoft Entra issued an app-only token."));
        }
        catch (AuthenticationFailedException e)
        {
            checks.Add(new("Token", false, GraphErrors.DescribeToken(e)));
            return new(false, checks);
        }

        var roles = RolesOf(token.Token);
        foreach (var (name, why) in TeamsPermissions.Required)
        {
            checks.Add(roles.Contains(name)
                ? new($"Permission {name}", true, $"Granted (needed to {why}).")
                : new($"Permission {name}", false, $"Missing: add the application permission {name} and grant admin consent; it is needed to {why}."));
        }

        var accounts = await db.Set<TeamsAccount>().AsNoTracking().Where(a => a.SchoolId == schoolId).OrderBy(a => a.UserId).Take(5).ToListAsync(ct);
        if (accounts.Count == 0)
        {
            checks.Add(new("Teachers' accounts", false, "No member of staff is mapped to a Microsoft 365 account yet."));
        }
        foreach (var account in accounts)
        {
            var user = ready.Graph.Users[account.UserId];
            checks.Add(await CheckAsync($"Account {account.UserId}", async () =>
            {
                var u = await user.GetAsync(r => r.QueryParameters.Select = ["id", "userPrincipalName", "assignedLicenses"], ct);
                return u?.AssignedLicenses is { Count: > 0 }
                    ? (true, $"Found ({u.UserPrincipalName}), with {u.AssignedLicenses.Count} licence(s).")
                    : (false, "The account has no licence: assign a Microsoft 365 licence that includes Teams and Exchange Online.");
            }));
            checks.Add(await CheckAsync($"Calendar of {account.UserId}", async () =>
            {
                await user.Calendar.GetAsync(r => r.QueryParameters.Select = ["id"], ct);
                return (true, "The app can reach the teacher's calendar.");
            }));
            checks.Add(await CheckAsync($"Online meetings of {account.UserId}", async () =>
            {
                await user.OnlineMeetings.GetAsync(r => r.QueryParameters.Filter = "JoinWebUrl eq 'https://teams.microsoft.com/l/meetup-join/connection-test'", ct);
                return (true, "An application access policy lets the app act on the teacher's online meetings.");
            }));
        }
        return new(checks.All(c => c.Ok), checks);
    }

    private static async Task<ConnectionCheck> CheckAsync(string name, Func<Task<(bool, string)>> check)
    {
        try
        {
            var (ok, message) = await check();
            return new(name, ok, message);
        }
        catch (ODataError e)
        {
            return new(name, false, GraphErrors.Describe(e));
        }
        catch (Exception e) when (e is HttpRequestException or Polly.Timeout.TimeoutRejectedException)
        {
            return new(name, false, $"Microsoft Graph could not be reached: {e.Message}");
        }
    }

    /// <summary>The application permissions in an app-only token (its <c>roles</c> claim). The token is only read, never checked: Graph checks it.</summary>
    public static IReadOnlySet<string> RolesOf(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length < 2)
        {
            return new HashSet<string>();
        }
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return doc.RootElement.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array
                ? roles.EnumerateArray().Select(r => r.GetString() ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase)
                : new HashSet<string>();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return new HashSet<string>();
        }
    }
}
