using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// Settings of the built-in selection strategies that learn from traffic (<see cref="SelectionStrategies.LowestLatency"/> and
/// <see cref="SelectionStrategies.Cheapest"/>'s observed output), for the whole router. Configuration section: <c>Selection</c>.
/// </summary>
public sealed class SelectionOptions
{
    /// <summary>
    /// Gets or sets how much slower than the fastest deployment another may be and still count as equally fast for
    /// <see cref="SelectionStrategies.LowestLatency"/>, as a fraction: 0.1 means within 10 %. Equally fast deployments are
    /// shuffled per request, so that near-equals share the load instead of one taking it all.
    /// </summary>
    /// <value>The default is 0.1.</value>
    [Range(0.0, 10.0)]
    public double LatencyBuffer { get; set; } = SelectionConstants.LatencyBuffer;

    /// <summary>
    /// Gets or sets the weight of the newest sample in the decaying averages of latency, time to first chunk and output tokens:
    /// higher follows changes faster, lower smooths more. With 0.2, a sample's weight halves about every three samples.
    /// </summary>
    /// <value>The default is 0.2.</value>
    [Range(0.001, 1.0)]
    public double SampleWeight { get; set; } = SelectionConstants.SampleWeight;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal SelectionOptions Snapshot() => (SelectionOptions)MemberwiseClone();
}
