using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// The router's spend counters: one for the whole router, one per route and one per deployment, found by name. A reload
/// builds the new model with the previous model's registry, so totals continue.
/// </summary>
internal sealed class SpendRegistry
{
    private readonly ConcurrentDictionary<string, SpendCounter> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SpendCounter> _deployments = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Snapshots the router-wide total: the sum of every deployment's counter, since each costed or served call counts on
    /// exactly one deployment (a separate router-wide counter would be one more shared write per call).
    /// </summary>
    public SpendTotal Total()
    {
        decimal cost = 0;
        long calls = 0;
        long uncosted = 0;
        foreach (SpendCounter counter in _deployments.Values)
        {
            SpendTotal total = counter.Snapshot();
            cost += total.CostUsd;
            calls += total.Calls;
            uncosted += total.UncostedCalls;
        }

        return new SpendTotal { Name = null, CostUsd = cost, Calls = calls, UncostedCalls = uncosted };
    }

    /// <summary>Gets the response cache's hits and savings, counted apart from spend: hits are not calls.</summary>
    public SpendCounter Cache { get; } = new("cache");

    public SpendCounter Route(string name) => _routes.GetOrAdd(name, static n => new SpendCounter(n));

    public SpendCounter Deployment(string name) => _deployments.GetOrAdd(name, static n => new SpendCounter(n));

    /// <summary>Snapshots the counters of <paramref name="names"/>, in that order; a name never charged reads as zero.</summary>
    public IReadOnlyList<SpendTotal> Snapshot(IEnumerable<string> names, bool routes)
    {
        ConcurrentDictionary<string, SpendCounter> counters = routes ? _routes : _deployments;
        var snapshot = new List<SpendTotal>();
        foreach (string name in names)
        {
            snapshot.Add(counters.TryGetValue(name, out SpendCounter? counter) ? counter.Snapshot() : new SpendTotal { Name = name });
        }

        return snapshot;
    }
}
