using Chaperone.Notifications;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages;

/// <summary>A member of staff's private calendar address (.ics) for their sessions: make one, replace it, or stop it.</summary>
public sealed class CalendarFeedModel(CalendarFeeds feeds) : PageModel
{
    public DateTimeOffset? ActiveSince { get; private set; }
    public string? NewUrl { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => ActiveSince = await feeds.ActiveSinceAsync(User, ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        var feed = await feeds.CreateAsync(User, ct);
        NewUrl = feed.Url;
        ActiveSince = feed.CreatedAt;
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken ct)
    {
        await feeds.RevokeAsync(User, ct);
        TempData["Notice"] = "Your calendar address no longer works.";
        return LocalRedirect("/calendar-feed");
    }
}
