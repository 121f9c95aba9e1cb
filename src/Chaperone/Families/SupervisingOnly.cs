namespace Chaperone.Families;

/// <summary>
/// Clause 1: consent is a parent's or carer's with parental responsibility. What an invited carer
/// without it is told, in the emails and on their pages: they supervise, and consent is not theirs
/// to give.
/// </summary>
public static class SupervisingOnly
{
    /// <summary>
    /// "You are invited to supervise Toby throughout the call. Consent for it is given at the start by a
    /// parent or carer with parental responsibility for Toby, not by you." (For a Teams session: on their own page.)
    /// </summary>
    public static string Sentence(IReadOnlyList<string> pupils, bool inTeams)
    {
        var names = string.Join(" and ", pupils);
        return $"You are invited to supervise {names} throughout the call. Consent for it is given at the start{(inTeams ? ", on their own page," : "")} "
            + $"by a parent or carer with parental responsibility for {names}, not by you, so you will not be asked for it.";
    }
}
