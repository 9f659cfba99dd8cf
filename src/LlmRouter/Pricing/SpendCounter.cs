using System.Runtime.InteropServices;

namespace LlmRouter;

/// <summary>
/// A running total of what calls cost, for the router, one route or one deployment: added to once per costed call, one
/// cell per core (<see cref="PerCore"/>) so that concurrent calls on different cores never write the same cache line; a
/// snapshot sums the cells. Kept across configuration reloads by name, so totals cover the router's lifetime.
/// </summary>
internal sealed class SpendCounter
{
    private readonly Cell[] _cells = new Cell[PerCore.Cells];

    public SpendCounter(string? name) => Name = name;

    /// <summary>Gets the route or deployment name, or <see langword="null"/> for the router-wide total.</summary>
    public string? Name { get; }

    /// <summary>Adds the cost of one call.</summary>
    public void Add(long units)
    {
        ref Cell cell = ref _cells[PerCore.Current];
        Money.Add(ref cell.Units, units);
        Interlocked.Increment(ref cell.Calls);
    }

    /// <summary>Counts a served call whose cost is unknown: its provider reported no usage, or its deployment has no price.</summary>
    public void AddUncosted() => Interlocked.Increment(ref _cells[PerCore.Current].Uncosted);

    public SpendTotal Snapshot()
    {
        long units = 0;
        long calls = 0;
        long uncosted = 0;
        foreach (ref Cell cell in _cells.AsSpan())
        {
            Money.Add(ref units, Volatile.Read(ref cell.Units));
            calls += Volatile.Read(ref cell.Calls);
            uncosted += Volatile.Read(ref cell.Uncosted);
        }

        return new SpendTotal { Name = Name, CostUsd = Money.ToUsd(units), Calls = calls, UncostedCalls = uncosted };
    }

    /// <summary>One core's totals, alone on their cache lines.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Units;

        [FieldOffset(72)]
        public long Calls;

        [FieldOffset(80)]
        public long Uncosted;
    }
}
