using Chaperone.Identity;
using Chaperone.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Chaperone.Concerns;

/// <summary>
/// What an open staff page is told when a concern reaches its reader: content-free (the kind, the
/// reference, who raised it, and where to read it after signing in), as the email is.
/// </summary>
/// <param name="AtLocal">When it was raised, written out in the school's zone as the inbox shows it.</param>
public sealed record ConcernAlert(string ConcernId, string Reference, string Kind, string RaisedBy, DateTimeOffset At, string AtLocal, bool Escalated, string Url, string Message);

/// <summary>
/// Staff pages' live channel (<c>/hubs/staff</c>), joined from the layout by the DSL, deputies and
/// senior leaders. Each connection joins its own member of staff's group; the server pushes
/// <c>concernAlert</c> messages to the groups of a concern's recipients. Clients send nothing.
/// </summary>
[Authorize(Policy = AuthPolicies.Staff)]
public sealed class StaffHub : Hub
{
    public const string Path = "/hubs/staff";

    public static string GroupOf(Guid staffId) => "staff:" + Ids.Format(staffId);

    public override async Task OnConnectedAsync()
    {
        if (Context.User is { } user && Ids.TryParse(user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, out var id))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(id));
        }
        await base.OnConnectedAsync();
    }
}

/// <summary>Pushes concern alerts to the open pages of the staff named.</summary>
public sealed class ConcernAlerts(IHubContext<StaffHub> hub)
{
    public const string Method = "concernAlert";

    public Task SendAsync(IEnumerable<Guid> staffIds, ConcernAlert alert, CancellationToken ct) =>
        hub.Clients.Groups(staffIds.Distinct().Select(StaffHub.GroupOf).ToList()).SendAsync(Method, alert, ct);
}
