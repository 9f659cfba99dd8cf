namespace LlmRouter;

/// <summary>
/// What one request took from its caller limits, to settle when it ends, and the tokens its attempts used. Pooled with its
/// <see cref="RouterRequest"/>: cleared, not dropped, so a request under caller limits allocates nothing for it.
/// </summary>
internal sealed class CallerHolds
{
    private readonly List<CallerHold> _holds = [];

    /// <summary>Gets whether the request was admitted by its caller limits (they are checked once, before its first attempt).</summary>
    public bool Admitted { get; set; }

    /// <summary>Gets the tokens the request's attempts reported, or -1 when an attempt that counts reported none.</summary>
    public long UsedTokens { get; private set; }

    /// <summary>Gets how many caller limits the request took from.</summary>
    public int Count => _holds.Count;

    /// <summary>Gets what the request took from one caller limit; indexed rather than enumerated, so reading allocates nothing.</summary>
    public CallerHold this[int index] => _holds[index];

    public void Add(in CallerHold hold) => _holds.Add(hold);

    /// <summary>Counts what an ended attempt used: its reported tokens; without usage, a failed call used none and any other an unknown amount.</summary>
    public void Used(long? tokens, bool failed)
    {
        if (UsedTokens < 0)
        {
            return;
        }

        if (tokens is { } value)
        {
            UsedTokens += value;
        }
        else if (!failed)
        {
            UsedTokens = -1;
        }
    }

    /// <summary>Forgets the holds, once they were given back.</summary>
    public void Forget() => _holds.Clear();

    public void Clear()
    {
        if (_holds.Count > 0)
        {
            _holds.Clear();
        }

        Admitted = false;
        UsedTokens = 0;
    }
}

/// <summary>What a request took from one caller limit.</summary>
/// <param name="Limit">The caller limit.</param>
/// <param name="Caller">The caller's key.</param>
/// <param name="Cells">The caller's counters in this process, or <see langword="null"/> when the shared store counted.</param>
/// <param name="Tokens">The tokens reserved (the request's estimate).</param>
/// <param name="Store">The shared store that counted, or <see langword="null"/>.</param>
internal readonly record struct CallerHold(CallerRateLimit Limit, string Caller, GcraCell[]? Cells, long Tokens, IRateLimitStore? Store);
