using Chaperone.Audit;

namespace Chaperone.Tests.Audit;

/// <summary>What of an audit entry's details a reader is shown: the DSL everything, others not the DSL's parts.</summary>
public sealed class ConfidentialDetailsTests
{
    private const string Held = """{"session":"0192","reason":"A disclosure."}""";

    [Fact]
    public void TheDslReadsTheReasonWhole() =>
        Assert.Equal(Held, ConfidentialDetails.Shown(AuditActions.RecordingHeld, Held, readsAll: true));

    [Fact]
    public void OthersSeeThatAReasonWasGivenAndTheRestOfTheEntry()
    {
        var shown = ConfidentialDetails.Shown(AuditActions.RecordingHeld, Held, readsAll: false)!;

        Assert.DoesNotContain("disclosure", shown, StringComparison.Ordinal);
        Assert.Contains(ConfidentialDetails.Withheld, shown, StringComparison.Ordinal);
        Assert.Contains("\"session\":\"0192\"", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("disclosure", ConfidentialDetails.Shown(AuditActions.RecordingHoldLifted, """{"heldFor":"A disclosure."}""", readsAll: false), StringComparison.Ordinal);
    }

    [Fact]
    public void OtherActionsAreShownAsWritten() =>
        Assert.Equal("""{"reason":"Snow day"}""", ConfidentialDetails.Shown(AuditActions.SessionCancelled, """{"reason":"Snow day"}""", readsAll: false));

    [Fact]
    public void DetailsThatAreNotAnObjectAreWithheldWhole() =>
        Assert.Equal(ConfidentialDetails.Withheld, ConfidentialDetails.Shown(AuditActions.RecordingHeld, "not json", readsAll: false));
}
