using System.Net;
using System.Text;
using LlmRouter.AspNetCore.Tests.TestSupport;
using LlmRouter.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRouter.AspNetCore.Tests.OpenAI;

/// <summary>Keys follow their configuration without a restart: added, removed and changed keys apply to the next request; a bad change is ignored.</summary>
public class GatewayKeyReloadTests
{
    private const string Hello = """{"model":"fast","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public async Task KeysChangeInConfiguration_NextRequestUsesThemAndABadChangeKeepsTheLastGoodKeys()
    {
        var source = new ReloadableConfiguration(Keys(("one", "sk-one", null)));
        IConfigurationRoot configuration = new ConfigurationBuilder().Add(source).Build();
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok") };
        using var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok") };
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, services: s => s.AddLlmRouterGateway(configuration.GetSection("LlmRouter:Gateway")));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "sk-one"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "sk-two"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, GatewayHost.Key));

        source.Replace(Keys(("one", "sk-one", null), ("two", "sk-two", null)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "sk-two"));

        source.Replace(Keys(("two", "sk-two", "smart")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "sk-one"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(host, "sk-two"));

        Dictionary<string, string?> bad = Keys(("two", "sk-two", null), ("three", "sk-three", null));
        bad["LlmRouter:Gateway:Keys:three:Hash"] = "sk-three";
        source.Replace(bad);
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(host, "sk-two"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(host, "sk-three"));
    }

    [Fact]
    public async Task MaxRequestBodySizeChangesInConfiguration_NextRequestIsHeldToIt()
    {
        Dictionary<string, string?> settings = Keys(("one", "sk-one", null));
        settings["LlmRouter:Gateway:MaxRequestBodySize"] = "4096";
        var source = new ReloadableConfiguration(settings);
        IConfigurationRoot configuration = new ConfigurationBuilder().Add(source).Build();
        using var primary = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok") };
        using var backup = new ScriptedChatClient { DefaultOutcome = ScriptedOutcome.Text("ok") };
        await using GatewayHost host = await GatewayHost.StartAsync(primary, backup, services: s => s.AddLlmRouterGateway(configuration.GetSection("LlmRouter:Gateway")));
        string large = $$"""{"model":"fast","messages":[{"role":"user","content":"{{new string('x', 2_000)}}"}]}""";

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "sk-one", large));

        settings["LlmRouter:Gateway:MaxRequestBodySize"] = "1024";
        source.Replace(new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await StatusAsync(host, "sk-one", large));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "sk-one"));

        settings["LlmRouter:Gateway:MaxRequestBodySize"] = "12";
        source.Replace(new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await StatusAsync(host, "sk-one", large));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(host, "sk-one"));
    }

    private static async Task<HttpStatusCode> StatusAsync(GatewayHost host, string key, string body = Hello)
    {
        using HttpClient http = host.Http(key);
        using HttpResponseMessage response = await http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static Dictionary<string, string?> Keys(params (string Name, string Key, string? Route)[] keys)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, string key, string? route) in keys)
        {
            settings[$"LlmRouter:Gateway:Keys:{name}:Hash"] = GatewayKeyOptions.HashOf(key);
            if (route is not null)
            {
                settings[$"LlmRouter:Gateway:Keys:{name}:Routes:0"] = route;
            }
        }

        return settings;
    }
}
