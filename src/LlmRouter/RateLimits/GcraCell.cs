namespace LlmRouter;

/// <summary>
/// One rate-limit counter in this process, by the generic cell rate algorithm (GCRA): a token bucket that holds
/// <c>limit</c> units and refills continuously at <c>limit</c> per window, kept as a single timestamp (the theoretical
/// arrival time, when the bucket would be full again) changed with compare-and-swap. No locks, no allocation, time from the
/// caller's <see cref="TimeProvider"/> timestamps. The Redis store runs the same arithmetic in a script, so one process and
/// many behave alike.
/// </summary>
/// <remarks>
/// <c>System.Threading.RateLimiting</c>'s limiters do not fit here: they read the system clock rather than a
/// <see cref="TimeProvider"/>, a permit taken cannot be given back (tokens reserved from an estimate are settled with the
/// actual usage), and the sliding-window limiter does not say when it would admit again (the <c>Retry-After</c> a caller gets).
/// </remarks>
internal sealed class GcraCell
{
    private long _full;

    /// <summary>Takes <paramref name="amount"/> units if the bucket holds them.</summary>
    /// <param name="amount">The units to take; more than the limit counts as the whole limit, so a large request waits for a full bucket rather than forever.</param>
    /// <param name="limit">The units per window; positive.</param>
    /// <param name="window">The window, in timestamp ticks; positive.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="wait">When refused, how many timestamp ticks until the bucket holds the amount; else 0.</param>
    /// <returns>Whether the units were taken.</returns>
    public bool TryTake(long amount, long limit, long window, long now, out long wait)
    {
        long cost = Cost(amount, limit, window);
        long full = Volatile.Read(ref _full);
        while (true)
        {
            long next = (full > now ? full : now) + cost;
            if (next - now > window)
            {
                wait = next - window - now;
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _full, next, full);
            if (seen == full)
            {
                wait = 0;
                return true;
            }

            full = seen;
        }
    }

    /// <summary>
    /// Settles units taken from an estimate: a negative <paramref name="delta"/> gives units back, a positive one takes more
    /// without checking (the call already happened).
    /// </summary>
    public void Adjust(long delta, long limit, long window, long now)
    {
        if (delta == 0)
        {
            return;
        }

        long change = delta > 0 ? Cost(delta, limit, window) : -Cost(-delta, limit, window);
        long full = Volatile.Read(ref _full);
        while (true)
        {
            long next = (full > now ? full : now) + change;
            if (next < now)
            {
                next = now;
            }

            long seen = Interlocked.CompareExchange(ref _full, next, full);
            if (seen == full)
            {
                return;
            }

            full = seen;
        }
    }

    /// <summary>Gets whether the bucket is full at <paramref name="now"/>: the cell holds nothing a fresh one would not.</summary>
    public bool IsIdle(long now) => Volatile.Read(ref _full) <= now;

    /// <summary>The ticks <paramref name="amount"/> units take out of the window, rounded up, for at most the whole limit.</summary>
    private static long Cost(long amount, long limit, long window) =>
        amount >= limit ? window : (long)(((Int128)amount * window + limit - 1) / limit);
}
