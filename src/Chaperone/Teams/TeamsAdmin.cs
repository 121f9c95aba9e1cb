using System.Security.Claims;
using System.Text.Json;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Teams;

public sealed record TeamsSettingsDto(
    string DefaultProvider, bool AllowPerSession, string? TenantId, string? ClientId, bool ClientSecretSet,
    bool UsesInstallationRegistration, string GraphBaseUrl, string AuthorityHost);

/// <summary>A change to the school's Teams settings. <c>clientSecret</c> left out keeps the stored one; an empty string removes it.</summary>
public sealed record TeamsSettingsRequest(string? DefaultProvider, bool? AllowPerSession, string? TenantId, string? ClientId, string? ClientSecret);

public sealed record TeamsAccountDto(string StaffId, string Name, string Email, string? UserId);

public sealed record TeamsAccountRequest(string? UserId);

/// <summary>A session's Teams meeting as the API and the session page show it.</summary>
public sealed record TeamsMeetingDto(
    string State, string? JoinUrl, MeetingOptions? Options, DateTimeOffset? OptionsReadAt, IReadOnlyList<string> Drift,
    DateTimeOffset? DriftCorrectedAt, string? LastError, int Attempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? LockedAt,
    DateTimeOffset? AttendanceReadAt, int RecordingsCopied);

/// <summary>
/// The admin's Teams settings and staff accounts, and the session's meeting view: the only
/// implementation, called by both the API and the pages.
/// </summary>
public static class TeamsAdmin
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<TeamsSettingsDto> SettingsAsync(ChaperoneDbContext db, TeamsConnections connections, Guid schoolId, CancellationToken ct)
    {
        var s = await db.Set<TeamsSchoolSettings>().AsNoTracking().FirstOrDefaultAsync(x => x.SchoolId == schoolId, ct);
        var o = connections.Options;
        return new(s?.DefaultProvider ?? CallProviders.BuiltIn, s?.AllowPerSession ?? false, s?.TenantId, s?.ClientId, s?.ProtectedClientSecret is not null,
            s?.TenantId is null && s?.ClientId is null && s?.ProtectedClientSecret is null && !string.IsNullOrWhiteSpace(o.ClientId),
            o.GraphBaseUrl, o.AuthorityHost);
    }

    /// <summary>Saves the settings, or says which fields to fix (API field names).</summary>
    public static async Task<Dictionary<string, string[]>> SaveAsync(ChaperoneDbContext db, TeamsConnections connections, TimeProvider clock, ClaimsPrincipal user, TeamsSettingsRequest r, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        var errors = new Dictionary<string, string[]>();
        var provider = r.DefaultProvider?.Trim().ToLowerInvariant();
        if (provider is not (CallProviders.BuiltIn or CallProviders.Teams))
        {
            errors["defaultProvider"] = ["Choose 'builtin' (Chaperone's own room) or 'teams' (Microsoft Teams)."];
        }
        if (r.TenantId is { Length: > 0 } t && !Guid.TryParse(t.Trim(), out _) && !t.Contains('.', StringComparison.Ordinal))
        {
            errors["tenantId"] = ["Give the directory (tenant) id as the Microsoft Entra admin centre shows it on the directory's overview (32 letters and digits in five groups, like 72f988bf-86f1-41af-91ab-2d7cd011db47), or the directory's domain name, like school.org.uk."];
        }
        if (r.ClientId is { Length: > 0 } c && !Guid.TryParse(c.Trim(), out _))
        {
            errors["clientId"] = ["Give the application (client) id as the app registration's overview shows it (32 letters and digits in five groups, like 72f988bf-86f1-41af-91ab-2d7cd011db47)."];
        }
        if (r.ClientSecret is { Length: > 500 })
        {
            errors["clientSecret"] = ["That is too long for a client secret."];
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        var s = await db.Set<TeamsSchoolSettings>().FirstOrDefaultAsync(x => x.SchoolId == schoolId, ct);
        if (s is null)
        {
            s = new TeamsSchoolSettings { SchoolId = schoolId };
            db.Set<TeamsSchoolSettings>().Add(s);
        }
        s.DefaultProvider = provider!;
        s.AllowPerSession = r.AllowPerSession ?? false;
        s.TenantId = Blank(r.TenantId);
        s.ClientId = Blank(r.ClientId);
        if (r.ClientSecret is not null)
        {
            s.ProtectedClientSecret = r.ClientSecret.Length == 0 ? null : connections.Protect(r.ClientSecret);
        }
        s.UpdatedAt = clock.GetUtcNow();
        // Audited without the secret: only whether a new one was given.
        Audit.AuditLog.Record(db, user, Audit.AuditActions.TeamsSettingsChanged, Audit.AuditSubjects.School, schoolId,
            new { s.DefaultProvider, s.AllowPerSession, s.TenantId, s.ClientId, secret = r.ClientSecret is null ? "unchanged" : r.ClientSecret.Length == 0 ? "removed" : "replaced" });
        await db.SaveChangesAsync(ct);
        return errors;
    }

    public static async Task<List<TeamsAccountDto>> AccountsAsync(ChaperoneDbContext db, Guid schoolId, CancellationToken ct) =>
        (await db.Users.AsNoTracking().Where(u => u.SchoolId == schoolId).OrderBy(u => u.Name)
            .Select(u => new { u.Id, u.Name, u.Email, UserId = db.Set<TeamsAccount>().Where(a => a.StaffId == u.Id).Select(a => a.UserId).FirstOrDefault() })
            .ToListAsync(ct))
        .Select(u => new TeamsAccountDto(Ids.Format(u.Id), u.Name, u.Email ?? "", u.UserId)).ToList();

    /// <summary>Maps a member of staff to a Microsoft 365 account (UPN or object id); an empty one removes the mapping. Null: the staff member is not in this school.</summary>
    public static async Task<Dictionary<string, string[]>?> SetAccountAsync(ChaperoneDbContext db, ClaimsPrincipal user, string staffId, TeamsAccountRequest r, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(staffId, out var id) || !await db.Users.AnyAsync(u => u.Id == id && u.SchoolId == schoolId, ct))
        {
            return null;
        }
        var value = r.UserId?.Trim() ?? "";
        if (value.Length > 0 && !Guid.TryParse(value, out _) && !System.Net.Mail.MailAddress.TryCreate(value, out _))
        {
            return new() { ["userId"] = ["Give the teacher's Microsoft 365 sign-in name (like name@school.org) or their object id as the Microsoft Entra admin centre shows it (like 72f988bf-86f1-41af-91ab-2d7cd011db47)."] };
        }
        var account = await db.Set<TeamsAccount>().FirstOrDefaultAsync(a => a.StaffId == id && a.SchoolId == schoolId, ct);
        if (value.Length == 0)
        {
            if (account is not null)
            {
                db.Remove(account);
            }
        }
        else if (account is null)
        {
            db.Set<TeamsAccount>().Add(new TeamsAccount { SchoolId = schoolId, StaffId = id, UserId = value });
        }
        else
        {
            account.UserId = value;
        }
        Audit.AuditLog.Record(db, user, Audit.AuditActions.TeamsAccountChanged, Audit.AuditSubjects.Staff, id, new { microsoftAccount = value.Length == 0 ? null : value });
        await db.SaveChangesAsync(ct);
        return [];
    }

    public static async Task<TeamsMeetingDto?> MeetingAsync(ChaperoneDbContext db, Guid schoolId, Guid sessionId, CancellationToken ct)
    {
        var m = await db.Set<TeamsMeeting>().AsNoTracking().FirstOrDefaultAsync(x => x.SessionId == sessionId && x.SchoolId == schoolId, ct);
        if (m is null)
        {
            return null;
        }
        var options = m.OptionsJson is null ? null : JsonSerializer.Deserialize<MeetingOptions>(m.OptionsJson, Json);
        var copied = await db.Set<Recordings.Recording>().CountAsync(r => r.SessionId == sessionId && r.SchoolId == schoolId && r.Provider == CallProviders.Teams, ct);
        var drift = options is null || m.State == TeamsMeetingState.Locked ? [] : options.DriftFrom(MeetingOptions.Safeguarding);
        return new(m.State.ToString().ToLowerInvariant(), m.JoinUrl, options, m.OptionsReadAt, drift, m.DriftCorrectedAt, m.LastError, m.Attempts, m.NextAttemptAt,
            m.LockedAt, m.AttendanceReadAt, copied);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
