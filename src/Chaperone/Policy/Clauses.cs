namespace Chaperone.Policy;

/// <summary>One clause of the school's video call policy.</summary>
public sealed record Clause(int Number, string Title, string Text);

/// <summary>
/// The twelve clauses of the Student-Teacher Video Call Policy, word for word. Every rule,
/// verdict and piece of evidence in Chaperone names one of these numbers.
/// </summary>
public static class Clauses
{
    public const int Consent = 1;
    public const int PlatformAndRecording = 2;
    public const int SchoolHours = 3;
    public const int Participants = 4;
    public const int TeacherPupilOnly = 5;
    public const int ExitOrder = 6;
    public const int Expectations = 7;
    public const int Notice = 8;
    public const int Environment = 9;
    public const int Dress = 10;
    public const int Attendance = 11;
    public const int Concerns = 12;

    public static IReadOnlyList<Clause> All { get; } =
    [
        new(1, "Parental consent and supervision",
            "Parents must give their consent at the beginning of the session. This must be recorded on the teacher’s session notes. The parent must remain with the child at all times, allowing the child to do all of the talking and engaging with the teacher. If the teacher speaks directly to the parent, then they must respond."),
        new(2, "Knowing the platform; recording and deletion",
            "Teachers must familiarise themselves with the functions of Microsoft TEAMs, including the privacy and mute settings. Teachers will also record the sessions, copies of which shall be deleted at the end of the national lockdown when face to face teaching resumes."),
        new(3, "School hours; hosted and supervised by the teacher",
            "All video-conferencing sessions should take place within school hours (09.00 - 15:00) and must be hosted and supervised by the teacher at all times."),
        new(4, "At least three participants",
            "Any video-conferencing session should have a minimum of three participants. This should be the teacher, pupil, and supervising parent/carer."),
        new(5, "Teacher and pupil interaction only",
            "During the session, the interaction should be between teacher and pupils only, just as it would be on school premises."),
        new(6, "Pupils leave first; the teacher closes",
            "When a video conference finishes, pupils should exit TEAMs first and the teacher should close the session once complete."),
        new(7, "Expectations",
            "Teachers should outline their expectations during the first video-conferencing session. Subsequent sessions should include a brief reminder of the expectations and rules that keep pupils and staff safe online."),
        new(8, "Scheduled 48 hours ahead; parents emailed",
            "Video conference sessions should be scheduled on TEAMs at least 48 hours in advance. Parents will receive notification of this via an email."),
        new(9, "A communal, safe room",
            "Video conferences should be held from an environment that is communal, safe and free from distractions. Children should not be in their bedroom for the call. Use a space downstairs, preferably in front of a blank wall. Televisions and other devices should be switched off during the call."),
        new(10, "Dress",
            "Teachers must be professionally dressed and pupils should be dressed appropriately."),
        new(11, "Attendance on the record of intervention",
            "Teachers should keep a record of attendance for each video-conferencing session, using the school’s record of intervention paperwork."),
        new(12, "Behaviour to SLT; safeguarding to the DSL",
            "Teachers should communicate any inappropriate behaviour or any interactions that are not conducive to learning to a member of the senior leadership team. Any safeguarding concerns need to be raised immediately with a safeguarding officer in school."),
    ];

    public static Clause Get(int number) => All[number - 1];
}
