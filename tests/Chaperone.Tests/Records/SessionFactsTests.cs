using Chaperone.Calls;
using Chaperone.Records;

namespace Chaperone.Tests.Records;

/// <summary>Attendance (clause 11) paired from joins and leaves as providers report them.</summary>
public sealed class SessionFactsTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static AttendanceEntry E(string who, string change, int minute) => new(who, who == "teacher:1" ? "Tess Teacher" : "Mia Mother", change, T.AddMinutes(minute));

    [Fact]
    public void EachJoinIsPairedWithTheNextLeaveAndARejoinIsANewStay()
    {
        var attendance = SessionFacts.Stays(
        [
            E("guardian:2", RoomEvents.Joined, 1), E("teacher:1", RoomEvents.Joined, 0),
            E("guardian:2", RoomEvents.Left, 5), E("guardian:2", RoomEvents.Joined, 6),
            E("teacher:1", RoomEvents.Left, 30),
        ], p => p.StartsWith("teacher:", StringComparison.Ordinal) ? "teacher" : "guardian");

        Assert.Equal(["Tess Teacher", "Mia Mother"], attendance.Select(p => p.Name));
        Assert.Equal([new Stay(T, T.AddMinutes(30))], attendance[0].Stays);
        Assert.Equal([new Stay(T.AddMinutes(1), T.AddMinutes(5)), new Stay(T.AddMinutes(6), null)], attendance[1].Stays);
        Assert.Equal("Mia Mother (parent or carer) joined 10:01, left 10:05, joined 10:06, no leaving recorded",
            InterventionRow.AttendedText([attendance[1]], NodaTime.DateTimeZoneProviders.Tzdb["Europe/London"]));
    }

    [Fact]
    public void ALeaveWithoutAJoinIsIgnoredAndSomeoneWhoNeverJoinedIsNotListed()
    {
        var attendance = SessionFacts.Stays([E("guardian:2", RoomEvents.Left, 3)], _ => "guardian");

        Assert.Empty(attendance);
        Assert.Equal("Nobody joined", InterventionRow.AttendedText(attendance, NodaTime.DateTimeZone.Utc));
    }
}
