namespace Chaperone.Notifications;

/// <summary>
/// Wakes this instance's <see cref="OutboxWorker"/> as soon as a change that wrote messages has
/// committed, so a booking's email leaves at once rather than at the next poll. Many wakes before
/// the worker looks count as one.
/// </summary>
public sealed class OutboxSignal : Infrastructure.WakeSignal;
