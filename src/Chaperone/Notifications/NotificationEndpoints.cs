using System.Security.Claims;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Notifications;

public static class NotificationEndpoints
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Notifications").RequireAuthorization(AuthPolicies.Staff);
        group.MapGet("/sessions/{id}/notifications", ForSession).WithName("GetSessionNotifications")
            .WithSummary("The emails of one session (clause 8): each recipient's message, its status and attempts.");
        group.MapGet("/notifications/problems", DeliveryProblems).WithName("GetDeliveryProblems")
            .WithSummary("Messages given up or failing repeatedly, newest first.").RequireAuthorization(AuthPolicies.Admin);
        group.MapGet("/notifications/{id}/attempts", Attempts).WithName("GetDeliveryAttempts")
            .WithSummary("Every attempt to send one message, with the mail server's reply.");
        group.MapPost("/notifications/{id}/retry", Retry).WithName("RetryNotification")
            .WithSummary("Queue a failed message again for a fresh round of attempts.").RequireAuthorization(AuthPolicies.Admin);
        group.MapPost("/calendar-feed", CreateFeed).WithName("CreateCalendarFeed")
            .WithSummary("A new private calendar (.ics) address for your sessions; any earlier one stops working.");
        group.MapDelete("/calendar-feed", RevokeFeed).WithName("RevokeCalendarFeed").WithSummary("Stop your calendar address working.");
        app.MapGet("/calendar/{token}.ics", CalendarFeeds.ServeAsync).AllowAnonymous().RequireRateLimiting(Identity.RateLimits.Calendar).WithTags("Notifications").WithName("CalendarFeed")
            .WithSummary("A teacher's sessions as an iCalendar feed (the address is the secret: 256 random bits, so it cannot be guessed).");
        return app;
    }

    private static async Task<Results<Ok<List<NotificationDto>>, ProblemHttpResult>> ForSession(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var (session, refusal) = await SessionOutcomeResults.SessionAsync(db, user, id, ct);
        if (session is null)
        {
            return refusal!;
        }
        var sessionId = session.Id;
        var messages = await OutboxQueries.Visible(db, user).AsNoTracking().Where(m => m.SessionId == sessionId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.NextAttemptAt).ThenBy(m => m.RecipientRole).ThenBy(m => m.RecipientName).ToListAsync(ct);
        return TypedResults.Ok(messages.Select(OutboxQueries.ToDto).ToList());
    }

    private static async Task<Ok<List<NotificationDto>>> DeliveryProblems(ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        var messages = await OutboxQueries.Problems(OutboxQueries.Visible(db, user)).AsNoTracking()
            .OrderByDescending(m => m.CreatedAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(messages.Select(OutboxQueries.ToDto).ToList());
    }

    private static async Task<Results<Ok<List<DeliveryAttemptDto>>, ProblemHttpResult>> Attempts(string id, ClaimsPrincipal user, ChaperoneDbContext db, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var messageId) || !await OutboxQueries.Visible(db, user).AnyAsync(m => m.Id == messageId, ct))
        {
            return Problems.NotFound("No message with this id in your school.");
        }
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => a.OutboxMessageId == messageId).OrderBy(a => a.At)
            .Select(a => new DeliveryAttemptDto(a.At, a.Outcome, a.Reply)).ToListAsync(ct);
        return TypedResults.Ok(attempts);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Retry(string id, ClaimsPrincipal user, ChaperoneDbContext db, TimeProvider clock, OutboxSignal signal, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var messageId) || !await OutboxQueries.RetryAsync(db, user, messageId, clock.GetUtcNow(), ct))
        {
            return Problems.NotFound("No failed message with this id in your school.");
        }
        signal.Wake();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<CalendarFeedDto>> CreateFeed(ClaimsPrincipal user, CalendarFeeds feeds, CancellationToken ct) =>
        TypedResults.Ok(await feeds.CreateAsync(user, ct));

    private static async Task<NoContent> RevokeFeed(ClaimsPrincipal user, CalendarFeeds feeds, CancellationToken ct)
    {
        await feeds.RevokeAsync(user, ct);
        return TypedResults.NoContent();
    }
}
