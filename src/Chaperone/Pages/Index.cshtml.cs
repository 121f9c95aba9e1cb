using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages;

/// <summary>The home page is the list of sessions.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/sessions");
}
