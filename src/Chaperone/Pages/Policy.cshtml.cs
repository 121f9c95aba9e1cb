using Chaperone.Infrastructure;
using Chaperone.Schools;
using Chaperone.Storage;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Chaperone.Pages;

/// <summary>The twelve clauses and how this school has set the policy up.</summary>
public sealed class PolicyModel(ChaperoneDbContext db) : PageModel
{
    public PolicyDto Policy { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken ct)
    {
        var school = await db.Schools.AsNoTracking().Include(s => s.Closures).FirstAsync(s => s.Id == User.SchoolId(), ct);
        Policy = PolicyEndpoints.ToDto(school);
    }
}
