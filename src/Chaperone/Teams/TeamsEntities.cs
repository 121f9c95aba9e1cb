using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Schools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chaperone.Teams;

/// <summary>
/// A school's call-provider choice and, optionally, its own Microsoft Entra app registration.
/// Empty registration fields fall back to the installation's <c>Teams:*</c> configuration.
/// The client secret is kept protected with ASP.NET Core Data Protection and never shown back.
/// </summary>
public sealed class TeamsSchoolSettings
{
    public Guid SchoolId { get; set; }
    /// <summary>The provider a booking gets when it names none (<see cref="CallProviders"/>).</summary>
    public string DefaultProvider { get; set; } = CallProviders.BuiltIn;
    /// <summary>Whether a booking may choose the other provider than the default.</summary>
    public bool AllowPerSession { get; set; }
    public string? TenantId { get; set; }
    public string? ClientId { get; set; }
    public string? ProtectedClientSecret { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A member of staff's Microsoft 365 account: a user principal name or an Entra object id.</summary>
public sealed class TeamsAccount
{
    public Guid SchoolId { get; set; }
    public Guid StaffId { get; set; }
    public required string UserId { get; set; }
}

public enum TeamsMeetingState
{
    /// <summary>Not yet created in Teams (just booked, or an attempt failed and waits for a retry).</summary>
    Pending,
    Created,
    Cancelled,
    /// <summary>The session is over and the meeting's options no longer admit anyone but the organizer's own.</summary>
    Locked,
}

/// <summary>
/// The Teams meeting behind a session: the calendar event in the teacher's calendar, its online
/// meeting, the join link, and the meeting options as Teams last reported them.
/// </summary>
public sealed class TeamsMeeting
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid SchoolId { get; set; }
    public Guid SessionId { get; set; }
    public TeamsMeetingState State { get; set; } = TeamsMeetingState.Pending;
    /// <summary>The organizer's Microsoft 365 account (UPN or object id) the event was created in.</summary>
    public string? OrganizerUserId { get; set; }
    public string? EventId { get; set; }
    public string? OnlineMeetingId { get; set; }
    public string? JoinUrl { get; set; }
    /// <summary>The safeguarding options as last read back from Teams (JSON of <see cref="MeetingOptions"/>).</summary>
    public string? OptionsJson { get; set; }
    public DateTimeOffset? OptionsReadAt { get; set; }
    /// <summary>When Teams last reported options other than ours and they were put right.</summary>
    public DateTimeOffset? DriftCorrectedAt { get; set; }
    public int Attempts { get; set; }
    /// <summary>Why the last attempt failed, for the teacher (no secrets in it).</summary>
    public string? LastError { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? LockedAt { get; set; }
    public DateTimeOffset? AttendanceReadAt { get; set; }
    /// <summary>The attendance as read from Teams' reports (JSON of <see cref="TeamsAttendance"/>), once final.</summary>
    public string? AttendanceJson { get; set; }
    public DateTimeOffset? RecordingsReadAt { get; set; }
}

internal sealed class TeamsSchoolSettingsConfiguration : IEntityTypeConfiguration<TeamsSchoolSettings>
{
    public void Configure(EntityTypeBuilder<TeamsSchoolSettings> b)
    {
        b.HasKey(s => s.SchoolId);
        b.Property(s => s.DefaultProvider).HasMaxLength(20);
        b.Property(s => s.TenantId).HasMaxLength(100);
        b.Property(s => s.ClientId).HasMaxLength(100);
        b.Property(s => s.ProtectedClientSecret).HasMaxLength(4000);
        b.HasOne<School>().WithOne().HasForeignKey<TeamsSchoolSettings>(s => s.SchoolId);
    }
}

internal sealed class TeamsAccountConfiguration : IEntityTypeConfiguration<TeamsAccount>
{
    public void Configure(EntityTypeBuilder<TeamsAccount> b)
    {
        b.HasKey(a => a.StaffId);
        b.Property(a => a.UserId).HasMaxLength(320);
        b.HasOne<StaffMember>().WithOne().HasForeignKey<TeamsAccount>(a => a.StaffId);
        b.HasIndex(a => a.SchoolId);
    }
}

internal sealed class TeamsMeetingConfiguration : IEntityTypeConfiguration<TeamsMeeting>
{
    public void Configure(EntityTypeBuilder<TeamsMeeting> b)
    {
        b.Property(m => m.Id).ValueGeneratedNever();
        b.Property(m => m.State).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.OrganizerUserId).HasMaxLength(320);
        b.Property(m => m.EventId).HasMaxLength(400);
        b.Property(m => m.OnlineMeetingId).HasMaxLength(400);
        b.Property(m => m.JoinUrl).HasMaxLength(2000);
        b.Property(m => m.LastError).HasMaxLength(2000);
        b.HasOne<Session>().WithOne().HasForeignKey<TeamsMeeting>(m => m.SessionId);
        b.HasIndex(m => m.SessionId).IsUnique();
        b.HasIndex(m => new { m.SchoolId, m.State });
    }
}
