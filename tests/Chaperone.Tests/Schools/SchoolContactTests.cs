using Chaperone.Schools;

namespace Chaperone.Tests.Schools;

/// <summary>
/// A family's email ends with the school's closing words and how to contact the office: once. A
/// closing that already asks them to contact the office is given the details where it does; one
/// that does not is followed by the sentence saying how.
/// </summary>
public sealed class SchoolContactTests
{
    private static readonly SchoolContact Office = new("office@school.test", "01632 960000");

    [Theory]
    [InlineData("If the time does not suit, please contact the school office.",
        "If the time does not suit, please contact the school office (email office@school.test or call 01632 960000).")]
    [InlineData("Any questions? Ring the Office before 3pm.",
        "Any questions? Ring the Office (email office@school.test or call 01632 960000) before 3pm.")]
    [InlineData("Questions to the office, please: write to office@school.test.",
        "Questions to the office (call 01632 960000), please: write to office@school.test.")]
    [InlineData("Call the School Office on 01632 960000 or email office@school.test.",
        "Call the School Office on 01632 960000 or email office@school.test.")]
    public void AClosingThatAlreadyAsksThemToContactTheOfficeIsGivenTheDetailsThereNotASecondSentence(string closing, string expected)
    {
        var paragraphs = Office.AfterClosing(closing);

        Assert.Equal([expected], paragraphs);
    }

    [Theory]
    [InlineData("Thank you for helping us keep these calls safe.")]
    [InlineData("Our police liaison officer sends her best wishes.")]
    [InlineData("Replies to admin.office@other.test are not read.")]
    public void AClosingThatDoesNotMentionTheOfficeIsFollowedByHowToContactIt(string closing)
    {
        var paragraphs = Office.AfterClosing(closing);

        Assert.Equal([closing, "To contact the school office, email office@school.test or call 01632 960000."], paragraphs);
    }

    [Fact]
    public void OnlyAPhoneNumberIsGivenAsSuch() =>
        Assert.Equal(["Please contact the school office (call 01632 960000) with any questions."],
            new SchoolContact(null, "01632 960000").AfterClosing("Please contact the school office with any questions."));
}
