using Chaperone.Infrastructure;
using Chaperone.Notifications;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Chaperone.Pages.Admin;

/// <summary>The school admin edits the wording of each email, with a preview; the parts the policy requires are always added by the system.</summary>
public sealed class MessagesModel(MessageTemplates templates) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty]
    public string? Opening { get; set; }

    [BindProperty]
    public string? Closing { get; set; }

    public MessageKind Selected { get; private set; } = MessageKind.Booked;
    public FormErrors Errors { get; } = new();
    public (string Subject, string Text, string Html)? Preview { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Selected = Parse(Kind);
        var wording = await templates.WordingAsync(User.SchoolId(), Selected, ct);
        (Opening, Closing) = (wording.Opening, wording.Closing);
        Preview = await templates.PreviewAsync(User.SchoolId(), Selected, wording, ct);
    }

    public async Task<IActionResult> OnPostAsync(string? action, CancellationToken ct)
    {
        Selected = Parse(Kind);
        if (!IsKind(Kind))
        {
            // Not one of the emails (a form altered, or one from before a rename): saving or restoring
            // the first email instead would change wording nobody asked to change.
            Errors.Add("", "Choose which email's wording to change from the list above, then save it again: nothing was changed.");
            return Page();
        }
        if (action == "reset")
        {
            await templates.ResetAsync(User, Selected, ct);
            TempData["Notice"] = "The wording is back to Chaperone's default.";
            return LocalRedirect($"/admin/messages?kind={OutboxQueries.KindName(Selected)}");
        }
        var errors = MessageTemplates.Check(Opening, Closing);
        Errors.AddAll(errors, f => f);
        if (Errors.Any)
        {
            return Page();
        }
        var wording = new MessageWording(Opening!, Closing!);
        if (action == "save")
        {
            await templates.SaveAsync(User, Selected, wording, ct);
            TempData["Notice"] = $"The wording of the {OutboxQueries.KindLabel(Selected).ToLowerInvariant()} email is saved; new emails use it.";
            return LocalRedirect($"/admin/messages?kind={OutboxQueries.KindName(Selected)}");
        }
        Preview = await templates.PreviewAsync(User.SchoolId(), Selected, wording, ct);
        return Page();
    }

    private static bool IsKind(string? kind) => MessageTemplates.Kinds.Any(k => OutboxQueries.KindName(k) == kind);

    private static MessageKind Parse(string? kind) =>
        MessageTemplates.Kinds.FirstOrDefault(k => OutboxQueries.KindName(k) == kind, MessageKind.Booked);
}
