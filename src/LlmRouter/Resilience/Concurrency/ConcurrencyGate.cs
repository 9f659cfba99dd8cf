using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// Counts a deployment's calls in flight and, when it has a limit, admits at most that many. Admission and release are
/// lock-free; callers that chose to queue wait on a signal that each release passes to one waiter.
/// </summary>
/// <remarks>
/// Without a limit the count is only read (LeastBusy, health, the in-flight gauge), so it is striped per thread
/// (<see cref="Stripes"/>): cores calling the same deployment do not write one shared line twice per call. With a limit the
/// count is one shared integer, because admitting a call must see every other call exactly.
/// </remarks>
internal sealed class ConcurrencyGate
{
    private readonly int _limit;
    private readonly ConcurrentQueue<TaskCompletionSource>? _waiters;
    private readonly StripedCounter? _unlimited;
    private int _inFlight;

    public ConcurrencyGate(int? limit, bool queues)
    {
        _limit = limit ?? int.MaxValue;
        _waiters = limit is not null && queues ? new ConcurrentQueue<TaskCompletionSource>() : null;
        _unlimited = limit is null ? new StripedCounter() : null;
    }

    /// <summary>Gets the calls in flight; without a limit, the sum of the stripes, never below zero.</summary>
    public int InFlight => _unlimited is { } striped ? (int)Math.Clamp(striped.Sum(), 0, int.MaxValue) : Volatile.Read(ref _inFlight);

    public int? Limit => _limit == int.MaxValue ? null : _limit;

    public bool TryEnter()
    {
        if (_unlimited is { } striped)
        {
            striped.Increment();
            return true;
        }

        int current = Volatile.Read(ref _inFlight);
        while (current < _limit)
        {
            int seen = Interlocked.CompareExchange(ref _inFlight, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Exit()
    {
        if (_unlimited is { } striped)
        {
            striped.Decrement();
            return;
        }

        Interlocked.Decrement(ref _inFlight);
        WakeOne();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a free slot; returns <see langword="false"/> when none freed up in time.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (TryEnter())
        {
            return true;
        }

        if (_waiters is null || timeout <= TimeSpan.Zero)
        {
            return false;
        }

        long deadline = time.GetTimestamp() + Timestamps.FromTimeSpan(timeout, time.TimestampFrequency);
        while (true)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(signal);

            // A slot freed between the failed attempt and joining the queue would otherwise wake nobody.
            if (TryEnter())
            {
                Leave(signal);
                return true;
            }

            TimeSpan remaining = Timestamps.ToTimeSpan(deadline - time.GetTimestamp(), time.TimestampFrequency);
            try
            {
                await signal.Task.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
            {
                Leave(signal);
                if (exception is OperationCanceledException)
                {
                    throw;
                }

                return false;
            }

            if (TryEnter())
            {
                return true;
            }
        }
    }

    /// <summary>Gives up a place in the queue; a wake-up it already received goes on to the next waiter.</summary>
    private void Leave(TaskCompletionSource signal)
    {
        if (!signal.TrySetCanceled())
        {
            WakeOne();
        }
    }

    private void WakeOne()
    {
        if (_waiters is null)
        {
            return;
        }

        while (_waiters.TryDequeue(out TaskCompletionSource? waiter))
        {
            if (waiter.TrySetResult())
            {
                return;
            }
        }
    }
}
