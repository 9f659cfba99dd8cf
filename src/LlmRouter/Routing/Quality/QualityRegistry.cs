using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// Every quality estimate the router keeps, by deployment, route, tier and dimension (names as the routing model spells them).
/// Kept across reloads, as spend is: an estimate says how a deployment served a route, whatever else changed.
/// </summary>
/// <remarks>Thread-safe: estimates are added once and never removed while the router lives.</remarks>
internal sealed class QualityRegistry
{
    /// <summary>The tier names, as responses carry them, in <see cref="ComplexityTier"/> order.</summary>
    public static readonly string[] TierNames = ["simple", "medium", "complex", "reasoning"];

    private readonly ConcurrentDictionary<Key, QualityEstimate> _estimates = new();

    /// <summary>Gets the estimate of a key, adding it with <paramref name="policy"/> when new; an existing one takes the policy.</summary>
    public QualityEstimate Get(string deployment, string route, string? tier, string? dimension, QualityPolicy policy)
    {
        QualityEstimate estimate = _estimates.GetOrAdd(new Key(deployment, route, tier, dimension), static (key, policy) => new QualityEstimate(key.Deployment, key.Route, key.Tier, key.Dimension, policy), policy);
        estimate.Policy = policy;
        return estimate;
    }

    /// <summary>Gets the estimate of a key, or adds it with <paramref name="policy"/>, which an existing one keeps.</summary>
    public QualityEstimate Find(string deployment, string route, string? tier, string? dimension, QualityPolicy policy) =>
        _estimates.GetOrAdd(new Key(deployment, route, tier, dimension), static (key, policy) => new QualityEstimate(key.Deployment, key.Route, key.Tier, key.Dimension, policy), policy);

    /// <summary>Gets every estimate of a deployment, ordered by route, tier and dimension.</summary>
    public List<QualityEstimate> Of(string deployment)
    {
        var found = new List<QualityEstimate>();
        foreach (KeyValuePair<Key, QualityEstimate> entry in _estimates)
        {
            if (string.Equals(entry.Key.Deployment, deployment, StringComparison.Ordinal))
            {
                found.Add(entry.Value);
            }
        }

        found.Sort(static (a, b) =>
        {
            int byRoute = string.CompareOrdinal(a.Route, b.Route);
            if (byRoute != 0)
            {
                return byRoute;
            }

            int byTier = TierSlot(a.Tier).CompareTo(TierSlot(b.Tier));
            return byTier != 0 ? byTier : string.CompareOrdinal(a.Dimension, b.Dimension);
        });
        return found;
    }

    /// <summary>Gets every estimate, for metrics.</summary>
    public ICollection<QualityEstimate> All => _estimates.Values;

    /// <summary>Gets the slot of a tier name: 0 for none, else 1 + its <see cref="ComplexityTier"/>; -1 for a name that is not a tier.</summary>
    public static int TierSlot(string? tier)
    {
        if (tier is null)
        {
            return 0;
        }

        for (int i = 0; i < TierNames.Length; i++)
        {
            if (string.Equals(TierNames[i], tier, StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }

        return -1;
    }

    /// <summary>Gets the tier name of a slot (see <see cref="TierSlot"/>).</summary>
    public static string? TierName(int slot) => slot == 0 ? null : TierNames[slot - 1];

    private readonly record struct Key(string Deployment, string Route, string? Tier, string? Dimension);
}
