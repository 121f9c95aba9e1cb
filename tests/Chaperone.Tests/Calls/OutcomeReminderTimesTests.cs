using Chaperone.Calls;
using Chaperone.Notifications;
using Chaperone.Policy;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Calls;

/// <summary>Clause 11's reminders of a missing outcome fall due at their boundaries, in the school's zone.</summary>
public sealed class OutcomeReminderTimesTests
{
    private static readonly PolicySettings Settings = new();

    [Fact]
    public void TheTeachersReminderIsAtTheEndOfTheSchoolDayButNeverWithinAnHourOfTheCall()
    {
        // Tuesday 1 December 2026 (GMT), and Tuesday 9 June 2026 (BST): 15:00 London either way.
        Assert.Equal(Api.InLondon(2026, 12, 1, 15), OutcomeReminderTimes.Teacher(Api.InLondon(2026, 12, 1, 10, 30), Settings));
        Assert.Equal(Api.InLondon(2026, 6, 9, 15), OutcomeReminderTimes.Teacher(Api.InLondon(2026, 6, 9, 13, 59), Settings));
        Assert.Equal(Api.InLondon(2026, 12, 1, 15, 1), OutcomeReminderTimes.Teacher(Api.InLondon(2026, 12, 1, 14, 1), Settings));
        Assert.Equal(Api.InLondon(2026, 12, 1, 16), OutcomeReminderTimes.Teacher(Api.InLondon(2026, 12, 1, 15), Settings));
    }

    [Fact]
    public void EachReminderIsDueFromItsTimeForAWeekAndTheLeadersReplaceTheTeacherOnceOverdue()
    {
        var end = Api.InLondon(2026, 12, 1, 10, 30);
        var teacher = Api.InLondon(2026, 12, 1, 15);
        var leaders = end + LeaderMarking.OverdueAfter;
        var second = TimeSpan.FromSeconds(1);

        Assert.Null(OutcomeReminderTimes.Due(end, teacher - second, Settings));
        Assert.Equal((MessageKind.OutcomeDue, teacher), OutcomeReminderTimes.Due(end, teacher, Settings));
        Assert.Equal((MessageKind.OutcomeDue, teacher), OutcomeReminderTimes.Due(end, leaders - second, Settings));
        Assert.Equal((MessageKind.OutcomeOverdue, leaders), OutcomeReminderTimes.Due(end, leaders, Settings));
        Assert.Equal((MessageKind.OutcomeOverdue, leaders), OutcomeReminderTimes.Due(end, leaders + OutcomeReminderTimes.WrittenFor - second, Settings));
        Assert.Null(OutcomeReminderTimes.Due(end, leaders + OutcomeReminderTimes.WrittenFor, Settings));
        Assert.True(end > OutcomeReminderTimes.EndedAfter(leaders + OutcomeReminderTimes.WrittenFor - second));
        Assert.False(end > OutcomeReminderTimes.EndedAfter(leaders + OutcomeReminderTimes.WrittenFor));
    }
}
