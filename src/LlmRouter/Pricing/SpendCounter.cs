namespace LlmRouter;

/// <summary>
/// A running total of what calls cost, for the router, one route or one deployment: lock-free, added to once per costed
/// call. Kept across configuration reloads by name, so totals cover the router's lifetime.
/// </summary>
/// <remarks>
/// Every served call writes it (its cost, or one more call without a cost), and nothing on the request path reads it, so
/// each thread adds on its own stripe (<see cref="Stripes"/>) and a snapshot sums them. A stripe's cost saturates at
/// <see cref="long.MaxValue"/> units like the sum does.
/// </remarks>
internal sealed class SpendCounter
{
    private const int Units = 0;
    private const int Calls = 1;
    private const int Uncosted = 2;

    private readonly long[] _cells = Stripes.Allocate<long>();

    public SpendCounter(string? name) => Name = name;

    /// <summary>Gets the route or deployment name, or <see langword="null"/> for the router-wide total.</summary>
    public string? Name { get; }

    /// <summary>Adds the cost of one call.</summary>
    public void Add(long units)
    {
        int stripe = Stripes.Current;
        Money.Add(ref Stripes.Cell(_cells, stripe, Units), units);
        Interlocked.Increment(ref Stripes.Cell(_cells, stripe, Calls));
    }

    /// <summary>Counts a served call whose cost is unknown: its provider reported no usage, or its deployment has no price.</summary>
    public void AddUncosted() => Interlocked.Increment(ref Stripes.Cell(_cells, Stripes.Current, Uncosted));

    /// <summary>Reads the total.</summary>
    public SpendTotal Snapshot()
    {
        long units = 0;
        long calls = 0;
        long uncosted = 0;
        for (int stripe = 0; stripe < Stripes.Count; stripe++)
        {
            long stripeUnits = Volatile.Read(ref Stripes.Cell(_cells, stripe, Units));
            units = stripeUnits > 0 && units > long.MaxValue - stripeUnits ? long.MaxValue : units + stripeUnits;
            calls += Volatile.Read(ref Stripes.Cell(_cells, stripe, Calls));
            uncosted += Volatile.Read(ref Stripes.Cell(_cells, stripe, Uncosted));
        }

        return new SpendTotal { Name = Name, CostUsd = Money.ToUsd(units), Calls = calls, UncostedCalls = uncosted };
    }
}
