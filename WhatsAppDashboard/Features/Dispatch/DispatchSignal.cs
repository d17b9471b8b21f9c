namespace WhatsAppDashboard.Features.Dispatch;

/// <summary>
/// Wakes this instance's dispatcher at once when there is new work (a run started, resumed or retried), instead
/// of at its next poll. Other instances notice on their own poll, within a second.
/// </summary>
public sealed class DispatchSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Wake() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Returns at the next <see cref="Wake"/> or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        try
        {
            await Volatile.Read(ref _next).Task.WaitAsync(timeout, clock, ct);
        }
        catch (TimeoutException)
        {
            // Time to poll.
        }
    }
}
