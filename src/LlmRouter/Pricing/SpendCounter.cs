namespace LlmRouter;

/// <summary>
/// A running total of what calls cost, for the router, one route or one deployment: lock-free, added to once per costed
/// call. Kept across configuration reloads by name, so totals cover the router's lifetime.
/// </summary>
internal sealed class SpendCounter
{
    private long _units;
    private long _calls;
    private long _uncosted;

    public SpendCounter(string? name) => Name = name;

    /// <summary>Gets the route or deployment name, or <see langword="null"/> for the router-wide total.</summary>
    public string? Name { get; }

    /// <summary>Adds the cost of one call.</summary>
    public void Add(long units)
    {
        Money.Add(ref _units, units);
        Interlocked.Increment(ref _calls);
    }

    /// <summary>Counts a served call whose cost is unknown: its provider reported no usage, or its deployment has no price.</summary>
    public void AddUncosted() => Interlocked.Increment(ref _uncosted);

    public SpendTotal Snapshot() => new()
    {
        Name = Name,
        CostUsd = Money.ToUsd(Volatile.Read(ref _units)),
        Calls = Volatile.Read(ref _calls),
        UncostedCalls = Volatile.Read(ref _uncosted),
    };
}
