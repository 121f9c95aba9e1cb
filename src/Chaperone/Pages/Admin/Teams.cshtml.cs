using Chaperone.Identity;
using Chaperone.Infrastructure;
using Chaperone.Scheduling;
using Chaperone.Storage;
using Chaperone.Teams;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Admin;

/// <summary>
/// The school's call provider, its Microsoft Entra app registration, the connection test, and
/// each member of staff's Microsoft 365 account. Saving goes through <see cref="TeamsAdmin"/>,
/// as the API does.
/// </summary>
public sealed class TeamsModel(ChaperoneDbContext db, TeamsConnections connections, TeamsConnectionTest test, TimeProvider clock, IServiceProvider services) : PageModel
{
    /// <summary>The school's own Microsoft directory for signing in (<see cref="MicrosoftDirectory"/>).</summary>
    [BindProperty]
    public string? MicrosoftTenantId { get; set; }

    public MicrosoftSignInDto MicrosoftSignIn { get; private set; } = null!;
    public FormErrors DirectoryErrors { get; } = new();

    [BindProperty]
    public string? DefaultProvider { get; set; }

    [BindProperty]
    public bool AllowPerSession { get; set; }

    [BindProperty]
    public string? TenantId { get; set; }

    [BindProperty]
    public string? ClientId { get; set; }

    /// <summary>Left empty, the stored secret is kept; it is never shown back.</summary>
    [BindProperty]
    public string? ClientSecret { get; set; }

    [BindProperty]
    public bool RemoveSecret { get; set; }

    [BindProperty]
    public string? StaffId { get; set; }

    [BindProperty]
    public string? UserId { get; set; }

    public FormErrors Errors { get; } = new();
    public FormErrors AccountErrors { get; } = new();
    public TeamsSettingsDto Settings { get; private set; } = null!;
    public IReadOnlyList<TeamsAccountDto> Accounts { get; private set; } = [];
    public ConnectionTestResult? TestResult { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        DefaultProvider = Settings.DefaultProvider;
        AllowPerSession = Settings.AllowPerSession;
        TenantId = Settings.TenantId;
        ClientId = Settings.ClientId;
        MicrosoftTenantId = MicrosoftSignIn.TenantId;
    }

    public async Task<IActionResult> OnPostDirectoryAsync(CancellationToken ct)
    {
        switch (await MicrosoftDirectory.SetAsync(db, SignInSettings, User, new MicrosoftDirectoryRequest(MicrosoftTenantId), ct))
        {
            case MicrosoftDirectory.Outcome.Saved { Setting.TenantId: var tenant }:
                TempData["Notice"] = tenant is null
                    ? "Nobody signs in to this school with Microsoft now."
                    : "Staff may now sign in with their accounts in this Microsoft directory.";
                return LocalRedirect("/admin/teams");
            case MicrosoftDirectory.Outcome.Invalid { Errors: var errors }:
                DirectoryErrors.AddAll(errors, _ => "microsoftTenantId");
                break;
            case MicrosoftDirectory.Outcome.NotOwnDirectory { Message: var message }:
                DirectoryErrors.Add("microsoftTenantId", message);
                break;
        }
        await LoadAsync(ct);
        return Page();
    }

    private Identity.MicrosoftSignIn.Settings? SignInSettings => services.GetService<Identity.MicrosoftSignIn.Settings>();

    public async Task<IActionResult> OnPostSettingsAsync(CancellationToken ct)
    {
        var secret = RemoveSecret ? "" : string.IsNullOrEmpty(ClientSecret) ? null : ClientSecret;
        var errors = await TeamsAdmin.SaveAsync(db, connections, clock, User, new TeamsSettingsRequest(DefaultProvider, AllowPerSession, TenantId, ClientId, secret), ct);
        if (errors.Count > 0)
        {
            Errors.AddAll(errors, f => f);
            await LoadAsync(ct);
            return Page();
        }
        TempData["Notice"] = "The Teams settings are saved.";
        return LocalRedirect("/admin/teams");
    }

    public async Task<IActionResult> OnPostTestAsync(CancellationToken ct)
    {
        TestResult = await test.RunAsync(User.SchoolId(), ct);
        await OnGetAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAccountAsync(CancellationToken ct)
    {
        var errors = await TeamsAdmin.SetAccountAsync(db, User, StaffId ?? "", new TeamsAccountRequest(UserId), ct);
        if (errors is null)
        {
            return NotFound();
        }
        if (errors.Count > 0)
        {
            AccountErrors.AddAll(errors, _ => "account-" + StaffId);
            await OnGetAsync(ct);
            return Page();
        }
        TempData["Notice"] = "The Microsoft 365 account is saved.";
        return LocalRedirect("/admin/teams");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Settings = await TeamsAdmin.SettingsAsync(db, connections, User.SchoolId(), ct);
        Accounts = await TeamsAdmin.AccountsAsync(db, User.SchoolId(), ct);
        MicrosoftSignIn = await MicrosoftDirectory.GetAsync(db, SignInSettings, User.SchoolId(), ct);
    }

    public static string ProviderLabel(string provider) => provider == CallProviders.Teams ? "Microsoft Teams" : "Chaperone's own call room";
}
