using System.Security.Claims;
using Chaperone.Audit;
using Chaperone.Infrastructure;
using Chaperone.Pages;
using Chaperone.Records;
using Chaperone.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Chaperone.Concerns;

/// <summary>
/// Clause 12 and Keeping Children Safe in Education: when a pupil moves school, the DSL sends
/// their child protection file to the new school's DSL, separately from the main pupil file.
/// This is what Chaperone holds for that file: the pupil and their parents and carers, every
/// concern raised about them (behaviour and safeguarding) with what was reported, and each
/// concern's whole chronology, as a printable PDF. Only the DSL and deputies, signed in with two
/// factors, make it, and each time it is made is audited.
/// The file is downloaded to be passed on, and goes with this child alone: another child a concern is
/// also about is not named in it ("Also about: another child (record held by this school's DSL)"),
/// and their names are taken out of what was reported and of the chronology
/// (<see cref="Records.NameRedaction"/>). The new school's DSL asks this school's for what they need
/// to know about them; this school's DSL reads both children's records in Chaperone itself.
/// </summary>
public sealed class ChildProtectionFiles(ChaperoneDbContext db, TimeProvider clock)
{
    public abstract record Outcome
    {
        public sealed record Made(byte[] Pdf, string FileName) : Outcome;
        public sealed record NoSuchPupil : Outcome;
        public sealed record Forbidden : Outcome;
    }

    /// <summary>What another child is called in the file.</summary>
    public const string AnotherChild = "another child";

    public const string Refusal = "Only the designated safeguarding lead and deputies, signed in with two factors, make a pupil's child protection file.";

    public async Task<Outcome> MakeAsync(ClaimsPrincipal user, string? pupilId, CancellationToken ct)
    {
        var schoolId = user.SchoolId();
        if (!Ids.TryParse(pupilId, out var id)
            || await db.Pupils.AsNoTracking().Where(p => p.Id == id && p.SchoolId == schoolId).Select(p => new { p.Name, p.DateOfBirth }).FirstOrDefaultAsync(ct) is not { } pupil)
        {
            return new Outcome.NoSuchPupil();
        }
        if (!ConcernAccess.ReadsSafeguarding(user))
        {
            AuditLog.Record(db, user, AuditActions.ConcernAccessRefused, AuditSubjects.Pupil, id, new { childProtectionFile = true });
            await db.SaveChangesAsync(ct);
            return new Outcome.Forbidden();
        }
        var school = await db.Schools.AsNoTracking().Where(s => s.Id == schoolId).Select(s => new { s.Name, s.TimeZoneId }).FirstAsync(ct);
        var zone = Policy.PolicySettings.ZoneOrDefault(school.TimeZoneId);
        var guardians = await db.PupilGuardians.AsNoTracking().Where(l => l.PupilId == id && l.SchoolId == schoolId)
            .Join(db.Guardians, l => l.GuardianId, g => g.Id, (l, g) => g)
            .OrderBy(g => g.Name).ToListAsync(ct);
        // Raised concerns only: a draft is its author's until raised.
        var concerns = await db.Set<Concern>().AsNoTracking().Include(c => c.Pupils)
            .Where(c => c.SchoolId == schoolId && c.Status == ConcernStatus.Raised && c.Pupils.Any(p => p.PupilId == id))
            .ToListAsync(ct);
        concerns = [.. concerns.OrderBy(c => c.RaisedAt ?? c.CreatedAt).ThenBy(c => c.Number)];
        var concernIds = concerns.Select(c => c.Id).ToList();
        var entries = (await db.Set<ConcernEntry>().AsNoTracking().Where(e => e.SchoolId == schoolId && concernIds.Contains(e.ConcernId)).ToListAsync(ct))
            .OrderBy(e => e.At).ThenBy(e => e.Sequence).ToLookup(e => e.ConcernId);
        var otherPupilIds = concerns.SelectMany(c => c.Pupils.Select(p => p.PupilId)).Where(p => p != id).Distinct().ToList();
        var otherPupils = await db.Pupils.AsNoTracking().Where(p => otherPupilIds.Contains(p.Id) && p.SchoolId == schoolId).ToDictionaryAsync(p => p.Id, p => p.Name, ct);
        var sessionIds = concerns.Where(c => c.SessionId is not null).Select(c => c.SessionId!.Value).Distinct().ToList();
        var sessions = await db.Sessions.AsNoTracking().Where(s => sessionIds.Contains(s.Id) && s.SchoolId == schoolId)
            .Join(db.Users, s => s.TeacherId, u => u.Id, (s, u) => new { s.Id, s.Start, s.End, Teacher = u.Name })
            .ToDictionaryAsync(s => s.Id, ct);

        // The other children's names, taken out of everything written about the concerns.
        var unnamed = Records.NameRedaction.Of(otherPupils.Values, pupil.Name, AnotherChild);
        var now = clock.GetUtcNow();
        var madeBy = user.DisplayName();
        string At(DateTimeOffset t) => Display.At(t, zone);
        var about = new LabelledPdf.Block(
        [
            ("Pupil", pupil.Name),
            ("Date of birth", pupil.DateOfBirth is { } born ? Display.Day(born) : null),
            ("School", school.Name),
            ("Made", $"{At(now)} ({zone.Id}) by {madeBy}"),
            ("Concerns", concerns.Count == 0 ? "None raised in Chaperone." : $"{concerns.Count}: {concerns.Count(c => c.Kind == ConcernKind.Safeguarding)} safeguarding, {concerns.Count(c => c.Kind == ConcernKind.Behaviour)} behaviour."),
        ]);
        var family = guardians.Select(g => new LabelledPdf.Block(
        [
            ("Name", g.Name),
            ("Relationship", g.Relationship),
            ("Parental responsibility", g.HasParentalResponsibility ? "Yes" : "No"),
            ("Email", g.Email),
            ("Phone", g.Phone),
        ])).ToList();
        var reported = concerns.Select(c =>
        {
            var session = c.SessionId is { } s ? sessions.GetValueOrDefault(s) : null;
            var others = c.Pupils.Count(p => p.PupilId != id);
            return new LabelledPdf.Block(
            [
                ("Concern", $"{c.Reference}: {(c.Kind == ConcernKind.Safeguarding ? "safeguarding" : "behaviour")}"),
                ("Raised", $"{At(c.RaisedAt ?? c.CreatedAt)} by {c.RaisedByName}"),
                ("Also about", others switch
                {
                    0 => null,
                    1 => $"{AnotherChild} (record held by {school.Name}'s DSL)",
                    _ => $"{Records.NameRedaction.OthersText(others)} (records held by {school.Name}'s DSL)",
                }),
                ("Video call", session is null ? null
                    : $"{Display.When(session.Start, session.End, zone)} with {session.Teacher}{(c.RecordingOffsetSeconds is { } o ? $"; at {ConcernDtos.Moment(o)} into its recording" : "")}"),
                ("Acknowledged", c.AcknowledgedAt is { } ack ? $"{At(ack)} by {c.AcknowledgedByName}" : "Not acknowledged"),
                ("Closed", c.ClosedAt is { } closed ? $"{At(closed)} by {c.ClosedByName}" : "Open"),
                ("Summary", unnamed.Apply(c.Summary)),
                ("What was seen or heard", unnamed.Apply(c.Detail)),
                ("The child's own words", unnamed.Apply(c.ChildsOwnWords)),
                ("Chronology", string.Join("\n", entries[c.Id].Select(e => $"{At(e.At)}, {ConcernEntryTypes.Label(e.Type)}, {e.ActorName}: {unnamed.Apply(e.Text)}"))),
            ]);
        }).ToList();

        var pdf = LabelledPdf.Write(new LabelledPdf.Document(
            $"Child protection file: {pupil.Name}, {school.Name}", $"Made {At(now)} by {madeBy}",
            $"{school.Name}: child protection file of {pupil.Name}",
            "Confidential. For the designated safeguarding lead. Keep apart from the pupil's main file, and send it securely, with confirmation of receipt.",
            Landscape: false,
            [
                new LabelledPdf.Section("The pupil", [about], ""),
                new LabelledPdf.Section("Parents and carers", family, "None recorded."),
                new LabelledPdf.Section("Concerns, oldest first, with their chronology", reported, "No concern has been raised about this pupil in Chaperone."),
            ]));

        AuditLog.Record(db, user, AuditActions.ChildProtectionFileMade, AuditSubjects.Pupil, id, new { concerns = concerns.Count });
        await db.SaveChangesAsync(ct);
        return new Outcome.Made(pdf, $"child-protection-file-{RecordEndpoints.FileNamePart(pupil.Name)}-{Display.Iso(Instant.FromDateTimeOffset(now).InZone(zone).Date)}.pdf");
    }
}
