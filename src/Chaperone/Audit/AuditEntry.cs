namespace Chaperone.Audit;

/// <summary>
/// One entry of a school's audit trail. Rows are inserted unsealed (<see cref="Position"/> and
/// <see cref="Hash"/> null) in the same unit of work as the change they record; the
/// <see cref="AuditSealer"/> later gives each its place in the school's hash chain. Nothing
/// ever updates an entry's content or deletes an entry (database triggers refuse it), and
/// <see cref="AuditVerifier"/> detects it if someone does so anyway.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>Database-assigned; orders unsealed entries for sealing (insertion order).</summary>
    public long Id { get; init; }

    public Guid SchoolId { get; init; }

    /// <summary>When it happened, to the microsecond (what both databases keep).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The member of staff who acted; null for the system or someone not signed in.</summary>
    public Guid? ActorId { get; init; }

    /// <summary>Who acted, as known at the time (a name, or the email address given at a failed sign-in).</summary>
    public required string ActorName { get; init; }

    /// <summary>What was done, one of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>What kind of record it was done to, one of <see cref="AuditSubjects"/>.</summary>
    public required string SubjectType { get; init; }

    public string? SubjectId { get; init; }

    /// <summary>What changed, in a few words or a small JSON object.</summary>
    public string? Details { get; init; }

    /// <summary>The version of the canonical serialisation the hash is computed over (<see cref="AuditChain"/>).</summary>
    public int FormatVersion { get; init; } = AuditChain.CurrentVersion;

    /// <summary>1, 2, 3… within the school once sealed; null until then.</summary>
    public long? Position { get; set; }

    /// <summary>SHA-256 over this entry's canonical form and the previous entry's hash; null until sealed.</summary>
    public byte[]? Hash { get; set; }
}

/// <summary>
/// Where each school's sealed chain ends. Kept apart from the entries so that removing the
/// newest entries (which leaves a shorter chain that is valid in itself) is still detected.
/// </summary>
public sealed class AuditChainHead
{
    public Guid SchoolId { get; init; }
    public long Position { get; set; }
    public required byte[] Hash { get; set; }
}

/// <summary>The actions the audit trail records. Later features add theirs here.</summary>
public static class AuditActions
{
    public const string SessionBooked = "session.booked";
    public const string SessionRescheduled = "session.rescheduled";
    public const string SessionCancelled = "session.cancelled";
    public const string OutcomeRecorded = "session.outcome-recorded";
    public const string FamiliarisationConfirmed = "staff.familiarisation-confirmed";
    public const string TeamsSettingsChanged = "teams.settings-changed";
    public const string TeamsAccountChanged = "teams.account-changed";
    public const string MessageWordingChanged = "messages.wording-changed";
    public const string MessageWordingReset = "messages.wording-reset";
    public const string StaffAdded = "staff.added";
    public const string StaffRolesChanged = "staff.roles-changed";
    public const string StaffDetailsChanged = "staff.details-changed";
    public const string StaffAccessEnded = "staff.access-ended";
    public const string StaffAccessRestored = "staff.access-restored";
    public const string StaffPasswordReset = "staff.password-reset";
    public const string PasswordChanged = "staff.password-changed";
    /// <summary>Someone asked for a forgotten password's link to be emailed to a member of staff (or to a leaver, and was refused).</summary>
    public const string PasswordResetEmailed = "staff.password-reset-emailed";
    public const string PasswordResetRefused = "staff.password-reset-refused";
    /// <summary>A member of staff chose a new password through the link emailed to them.</summary>
    public const string PasswordResetByEmail = "staff.password-reset-by-email";
    /// <summary>The DSL or senior leader role was offered to an existing member of staff, by an emailed link (<see cref="People.SafeguardingRoleGrants"/>).</summary>
    public const string SafeguardingRoleOffered = "staff.safeguarding-role-offered";
    public const string SafeguardingRoleOfferWithdrawn = "staff.safeguarding-role-offer-withdrawn";
    /// <summary>The member of staff accepted the role offered, through the link, with a new password of their own.</summary>
    public const string SafeguardingRoleAccepted = "staff.safeguarding-role-accepted";
    /// <summary>The school's other DSLs and senior leaders were emailed that someone was given, offered or lost one of those roles (who was told).</summary>
    public const string SafeguardingRoleChangeNotified = "staff.safeguarding-role-change-notified";
    public const string GuardianAdded = "guardian.added";
    public const string GuardianChanged = "guardian.changed";
    public const string PupilAdded = "pupil.added";
    public const string PupilChanged = "pupil.changed";
    /// <summary>Pupils and their parents and carers were imported from a file (the counts; each one added has its own entry).</summary>
    public const string RosterImported = "people.imported";
    public const string StaffImported = "staff.imported";
    public const string SettingsChanged = "settings.changed";
    public const string ClosureAdded = "closure.added";
    public const string ClosureRemoved = "closure.removed";
    public const string TermAdded = "term.added";
    public const string TermRemoved = "term.removed";
    public const string SignedIn = "sign-in.succeeded";
    public const string SignInFailed = "sign-in.failed";
    public const string MicrosoftAccountLinked = "staff.microsoft-account-linked";
    public const string MicrosoftAccountUnlinked = "staff.microsoft-account-unlinked";
    /// <summary>An admin's one-time password was withdrawn when its holder signed in with Microsoft instead.</summary>
    public const string OneTimePasswordWithdrawn = "staff.one-time-password-withdrawn";
    /// <summary>The admin named (or cleared) the Microsoft directory whose accounts sign in to the school.</summary>
    public const string MicrosoftDirectorySet = "school.microsoft-directory-set";
    public const string TwoFactorEnabled = "two-factor.enabled";
    public const string TwoFactorDisabled = "two-factor.disabled";
    public const string RecoveryCodesGenerated = "two-factor.recovery-codes-generated";
    public const string RecordingViewed = "recording.viewed";
    /// <summary>A recording's video and sound were put into a subject access export.</summary>
    public const string RecordingExported = "recording.exported";
    public const string ConcernDrafted = "concern.drafted";
    public const string ConcernRaised = "concern.raised";
    public const string ConcernNotified = "concern.notified";
    public const string ConcernEscalated = "concern.escalated";
    public const string ConcernAcknowledged = "concern.acknowledged";
    public const string ConcernEntryAdded = "concern.entry-added";
    public const string ConcernClosed = "concern.closed";
    public const string ConcernReopened = "concern.reopened";
    public const string ConcernViewed = "concern.viewed";
    /// <summary>A list of concerns (with their summaries) was read: which ones, by reference.</summary>
    public const string ConcernsListed = "concern.listed";
    /// <summary>Someone tried to read or act on a concern their role does not allow (clause 12).</summary>
    public const string ConcernAccessRefused = "concern.access-refused";
    public const string PupilChronologyViewed = "pupil.chronology-viewed";
    /// <summary>A subject access export of everything held about a pupil was made.</summary>
    public const string SubjectAccessExported = "pupil.subject-access-exported";
    /// <summary>A subject access export of everything held about a parent or carer was made.</summary>
    public const string GuardianSubjectAccessExported = "guardian.subject-access-exported";
    /// <summary>A pupil's child protection file was made, to send to their next school (clause 12).</summary>
    public const string ChildProtectionFileMade = "pupil.child-protection-file-made";
    public const string RecordingHeld = "recording.hold-placed";
    public const string RecordingHoldLifted = "recording.hold-lifted";
    public const string RecordingDeleted = "recording.deleted";
    public const string ProviderCopyDeleted = "recording.provider-copy-deleted";
    public const string FaceToFaceDateSet = "retention.face-to-face-date-set";
    public const string RetentionPeriodsChanged = "retention.periods-changed";
    public const string SessionRecordsExpired = "retention.session-records-deleted";
    public const string ConcernExpired = "retention.concern-deleted";
    public const string PasswordLinksExpired = "retention.password-links-deleted";
    /// <summary>Emails offering the DSL or senior leader role were deleted once their link had run out.</summary>
    public const string RoleOfferLinksExpired = "retention.role-offer-links-deleted";
    /// <summary>Notices to the DSLs and senior leaders of changes to who holds those roles were deleted after the school's period.</summary>
    public const string SafeguardingRoleNoticesExpired = "retention.safeguarding-role-notices-deleted";
}

/// <summary>The kinds of record audit entries are about.</summary>
public static class AuditSubjects
{
    public const string Session = "session";
    public const string Staff = "staff";
    public const string Guardian = "guardian";
    public const string Pupil = "pupil";
    public const string School = "school";
    public const string Closure = "closure";
    public const string Term = "term";
    public const string Recording = "recording";
    public const string Concern = "concern";
}
