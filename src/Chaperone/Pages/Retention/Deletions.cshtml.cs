using Chaperone.Infrastructure;
using Chaperone.Retention;
using Chaperone.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Retention;

/// <summary>The deletion register, for admins and the DSL: what was deleted, when, why, its content hash; and what is still to delete.</summary>
[Authorize(Policy = AuthPolicies.RetentionReader)]
public sealed class DeletionsModel(ChaperoneDbContext db) : PageModel
{
    public const int PageSize = 100;

    public DeletionRegisterDto Register { get; private set; } = null!;
    public int PageNumber { get; private set; } = 1;

    public async Task OnGetAsync(int? p, CancellationToken ct)
    {
        PageNumber = p is > 0 ? p.Value : 1;
        Register = await DeletionRegister.ReadAsync(db, User.SchoolId(), PageNumber, PageSize, ct);
    }
}
