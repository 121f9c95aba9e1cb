using Chaperone.Scheduling;
using Chaperone.Tests.Infrastructure;

namespace Chaperone.Tests.Scheduling;

/// <summary>
/// Every booking, check and slot search reads the host with the pupils and guardians named. SQLite
/// keeps no statistics, and with each list tied to the host's school it chose to walk every pupil,
/// link and guardian of the school on the school's index, testing each against the ids named: work
/// that grew with the school. Each list must be found by the ids named.
/// </summary>
public sealed class BookingQueryPlanTests(ChaperoneApp app) : IClassFixture<ChaperoneApp>
{
    [Fact]
    public async Task TheBookingsPeopleAreFoundByTheirIdsNotByWalkingTheSchool()
    {
        // The first row, as the booking reads it.
        var plan = await app.PlanAsync(db => BookingFacts.HostWithPeopleOf(db, Guid.NewGuid(), Guid.NewGuid(), [Guid.NewGuid()], [Guid.NewGuid()]).Take(1));
        var steps = plan.Split('\n');

        Assert.Contains(steps, s => s.StartsWith("SEARCH", StringComparison.Ordinal) && s.Contains("_Pupils_", StringComparison.Ordinal) && s.Contains(" Id=?)", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.StartsWith("SEARCH", StringComparison.Ordinal) && s.Contains("_PupilGuardians_", StringComparison.Ordinal) && s.Contains(" PupilId=?)", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.StartsWith("SEARCH", StringComparison.Ordinal) && s.Contains("_Guardians_", StringComparison.Ordinal) && s.Contains(" Id=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(steps, s => s.Contains("(SchoolId=?)", StringComparison.Ordinal) || s.Contains("AUTOMATIC", StringComparison.Ordinal));
    }
}
