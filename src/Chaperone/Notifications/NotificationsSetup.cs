using Chaperone.Storage;

namespace Chaperone.Notifications;

public static class NotificationsSetup
{
    /// <summary>The outbox, its worker, the reminder job (clause 8's before a session, clause 11's after it), and delivery by SMTP or (with no <c>Email:Smtp:Host</c>) to the mail folder.</summary>
    public static IServiceCollection AddChaperoneNotifications(this IServiceCollection services, IConfiguration configuration, DataDirectory data)
    {
        var options = EmailOptions.Read(configuration, data);
        services.AddSingleton(options);
        services.AddSingleton<IMailDelivery>(options.UsesSmtp ? new SmtpDelivery(options) : new MailFolderDelivery(options));
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<MessageComposer>();
        services.AddScoped<SessionNotifications>();
        services.AddScoped<IBookingNotifications>(sp => sp.GetRequiredService<SessionNotifications>());
        services.AddScoped<CalendarFeeds>();
        services.AddScoped<MessageTemplates>();
        services.AddScoped<Calls.OutcomeReminders>();
        services.AddHostedService<OutboxWorker>();
        services.AddSingleton<ReminderJob>();
        services.AddHostedService(sp => sp.GetRequiredService<ReminderJob>());
        return services;
    }
}
