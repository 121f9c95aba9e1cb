using System.Security.Claims;
using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.People;
using Chaperone.Storage;

namespace Chaperone.Concerns;

/// <summary>
/// Who reads which concerns (clause 12, and UK practice: access strictly by role). The DSL and
/// deputies (role Dsl) read safeguarding and behaviour concerns; senior leaders (Slt) read
/// behaviour concerns; both only when signed in with two factors. Whoever raised a concern reads
/// their own (and their drafts), but not how it was handled: the actions and outcome the DSL or a
/// senior leader wrote are shared with those who need to know, not with the raiser as such. An
/// admin reads none by being an admin. Nobody reads another school's.
/// </summary>
public static class ConcernAccess
{
    /// <summary>Reads every raised safeguarding concern (and every behaviour one).</summary>
    public static bool ReadsSafeguarding(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Dsl) && TwoFactor.SignedInWithTwoFactors(user);

    /// <summary>Reads every raised behaviour concern.</summary>
    public static bool ReadsBehaviour(ClaimsPrincipal user) =>
        (user.IsInRole(Roles.Dsl) || user.IsInRole(Roles.Slt)) && TwoFactor.SignedInWithTwoFactors(user);

    /// <summary>The concerns of the caller's school they may read.</summary>
    public static IQueryable<Concern> Visible(ChaperoneDbContext db, ClaimsPrincipal user)
    {
        var schoolId = user.SchoolId();
        var me = user.UserId();
        var safeguarding = ReadsSafeguarding(user);
        var behaviour = ReadsBehaviour(user);
        return db.Set<Concern>().Where(c => c.SchoolId == schoolId && (
            c.RaisedById == me
            || (c.Status == ConcernStatus.Raised && (
                (safeguarding && c.Kind == ConcernKind.Safeguarding)
                || (behaviour && c.Kind == ConcernKind.Behaviour)))));
    }

    /// <summary>Whether the caller reads concerns of this kind by their role (and so their whole chronology), not only as their raiser.</summary>
    public static bool ReadsByRole(ClaimsPrincipal user, ConcernKind kind) =>
        kind == ConcernKind.Safeguarding ? ReadsSafeguarding(user) : ReadsBehaviour(user);

    /// <summary>
    /// Whether a chronology entry of a concern of <paramref name="kind"/> raised by
    /// <paramref name="raiser"/> is shown to <paramref name="reader"/>: every entry to those who read
    /// the concern by role; to someone who reads it only as its raiser, what happened to it (raised,
    /// alerts, escalation, acknowledgement) and what they wrote themselves, not its handlers' entries.
    /// </summary>
    public static bool ShowsEntry(ClaimsPrincipal reader, ConcernKind kind, Guid raiser, string type, Guid? writtenBy) =>
        ReadsByRole(reader, kind) || !ConcernEntryTypes.Written.Contains(type) || writtenBy == raiser;

    /// <summary>Whether the caller may acknowledge it and write actions and outcomes (readers by role, not the raiser as such).</summary>
    public static bool Handles(ClaimsPrincipal user, Concern concern) =>
        concern.SchoolId == user.SchoolId() && concern.Status == ConcernStatus.Raised && ReadsByRole(user, concern.Kind);

    /// <summary>Whether the caller may write this entry type: handlers any; the raiser an amendment to their own.</summary>
    public static bool MayWrite(ClaimsPrincipal user, Concern concern, string type) =>
        Handles(user, concern) || (type == ConcernEntryTypes.Amendment && concern.Status == ConcernStatus.Raised && concern.RaisedById == user.UserId());
}
