using Microsoft.Extensions.Configuration;

namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>A configuration whose whole content is replaced at once, then announced, as a reloaded file is; the reload runs before <see cref="Replace"/> returns.</summary>
internal sealed class ReloadableConfiguration(Dictionary<string, string?> initial) : IConfigurationSource
{
    private readonly Provider _provider = new(initial);

    public void Replace(Dictionary<string, string?> settings) => _provider.Replace(settings);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    private sealed class Provider : ConfigurationProvider
    {
        public Provider(Dictionary<string, string?> initial) => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

        public void Replace(Dictionary<string, string?> settings)
        {
            Data = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
