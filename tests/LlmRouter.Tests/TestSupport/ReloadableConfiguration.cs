using Microsoft.Extensions.Configuration;

namespace LlmRouter.Tests;

/// <summary>An in-memory configuration whose whole content can be replaced, firing the reload token as a changed file would.</summary>
internal sealed class ReloadableConfiguration : ConfigurationProvider, IConfigurationSource
{
    private ReloadableConfiguration(IDictionary<string, string?> values) => Set(values);

    public IConfigurationSection Section { get; private set; } = null!;

    public static ReloadableConfiguration Create(IDictionary<string, string?> values)
    {
        var source = new ReloadableConfiguration(values);
        IConfigurationRoot root = new ConfigurationBuilder().Add(source).Build();
        source.Section = root.GetSection("LlmRouter");
        return source;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Replaces the content and fires the reload token (synchronously, like a file provider's callback thread).</summary>
    public void Replace(IDictionary<string, string?> values)
    {
        Set(values);
        OnReload();
    }

    private void Set(IDictionary<string, string?> values) =>
        Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
}
