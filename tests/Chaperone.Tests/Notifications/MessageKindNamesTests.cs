using Chaperone.Notifications;

namespace Chaperone.Tests.Notifications;

/// <summary>Every kind of message has its own name (the API's and the admin page's) and its own label, and only session messages to families are worded by the school.</summary>
public sealed class MessageKindNamesTests
{
    [Fact]
    public void EveryKindHasItsOwnNameAndLabel()
    {
        var kinds = Enum.GetValues<MessageKind>();

        Assert.Equal(kinds.Length, kinds.Select(OutboxQueries.KindName).Distinct().Count());
        Assert.Equal(kinds.Length, kinds.Select(OutboxQueries.KindLabel).Distinct().Count());
        Assert.All(kinds, k => Assert.Matches("^[a-z]+(-[a-z]+)*$", OutboxQueries.KindName(k)));
        Assert.All(kinds, k => Assert.NotEqual(k.ToString(), OutboxQueries.KindLabel(k)));
    }

    [Fact]
    public void OnlySessionMessagesToFamiliesAreWordedByTheSchool()
    {
        Assert.Equal(
            [MessageKind.Booked, MessageKind.Rescheduled, MessageKind.Cancelled, MessageKind.ReminderDayBefore, MessageKind.ReminderMorning],
            MessageTemplates.Kinds);
        Assert.DoesNotContain(MessageKind.ConcernDraftWaiting, MessageTemplates.Kinds);
    }
}
