using System.ComponentModel.DataAnnotations;

namespace LlmRouter;

/// <summary>
/// How long a rate-limited deployment is skipped. A 429 (or any failure that carries Retry-After) puts the deployment in
/// cooldown until the time the provider named; a later, longer deadline extends the cooldown, a shorter one never
/// shortens it. Configuration section: <c>Cooldown</c>.
/// </summary>
public sealed class CooldownOptions
{
    /// <summary>Gets or sets the cooldown after a 429 that did not say how long to wait; zero means none.</summary>
    /// <value>The default is 5 seconds.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
#pragma warning restore IL2026
    public TimeSpan DefaultDuration { get; set; } = CooldownConstants.DefaultDuration;

    /// <summary>Gets or sets the longest cooldown, whatever the provider asks for.</summary>
    /// <value>The default is 5 minutes.</value>
#pragma warning disable IL2026 // The options validator is source-generated and does not convert the range bounds by reflection.
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
#pragma warning restore IL2026
    public TimeSpan MaxDuration { get; set; } = CooldownConstants.MaxDuration;

    /// <summary>Copies the options as they are now, for a router that must not see later changes to this object.</summary>
    internal CooldownOptions Snapshot() => (CooldownOptions)MemberwiseClone();
}
