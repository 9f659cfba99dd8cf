using System.Reflection;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Configuration;

public class ProviderClientCacheTests
{
    [Fact]
    public void Get_SameSettings_ReusesTheClient()
    {
        var cache = new ProviderClientCache(static (_, _, _) => new ScriptedChatClient());

        IChatClient first = cache.Get(Baseline(), "model", "LlmRouter.p");
        IChatClient second = cache.Get(Baseline(), "model", "LlmRouter.p");

        Assert.Same(first, second);
        cache.Rollback();
    }

    /// <summary>
    /// The cache key lists the provider settings by hand; an option missing from it would let a reload that changes only that
    /// option keep the old client. Every public settable property of <see cref="ProviderOptions"/> must change the key.
    /// </summary>
    [Fact]
    public void Get_OptionsDifferingInAnyProperty_CreatesAnotherClient()
    {
        var cache = new ProviderClientCache(static (_, _, _) => new ScriptedChatClient());
        IChatClient baseline = cache.Get(Baseline(), "model", "LlmRouter.p");
        var problems = new List<string>();

        foreach (PropertyInfo property in typeof(ProviderOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            ProviderOptions changed = Baseline();
            if (!Change(changed, property))
            {
                problems.Add($"ProviderOptions.{property.Name}: the test has no sample for {property.PropertyType.Name}; teach Change one.");
            }
            else if (ReferenceEquals(cache.Get(changed, "model", "LlmRouter.p"), baseline))
            {
                problems.Add($"ProviderOptions.{property.Name}: options that differ only in it get the cached client. Add it to ProviderClientCache's key.");
            }
        }

        cache.Rollback();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static ProviderOptions Baseline() => new() { Type = ProviderTypes.OpenAI, ApiKey = "sk-test" };

    /// <summary>Sets <paramref name="property"/> of <paramref name="options"/> to a value unlike the baseline's.</summary>
    private static bool Change(ProviderOptions options, PropertyInfo property)
    {
        Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object? value = type switch
        {
            _ when type == typeof(string) => "changed",
            _ when type == typeof(Uri) => new Uri("https://changed.example/v1"),
            _ when type == typeof(TimeSpan) => TimeSpan.FromSeconds(42),
            _ when type == typeof(int) => 42,
            _ when type == typeof(bool) => true,
            _ when type == typeof(PromptCaching) => PromptCaching.Off,
            _ when type == typeof(IDictionary<string, string>) => new Dictionary<string, string> { ["X-Changed"] = "1" },
            _ => null,
        };

        property.SetValue(options, value);
        return value is not null;
    }
}
