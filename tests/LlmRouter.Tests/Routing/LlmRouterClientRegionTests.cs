using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>Data residency: a route's <see cref="RouteOptions.AllowedRegions"/> and a request's <see cref="LlmRouterRequestProperties.AllowedRegions"/>.</summary>
public class LlmRouterClientRegionTests
{
    private static ScriptedChatClient Answers(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    private static LlmRouterBuilder ThreeRegions(Action<RouteOptions>? route = null) => new LlmRouterBuilder().WithoutRetries()
        .AddDeployment("us", Answers("us"), d => d.Region = "us-east-1")
        .AddDeployment("unknown", Answers("unknown"))
        .AddDeployment("eu", Answers("eu"), d => d.Region = "EU-West-1")
        .AddRoute("default", r =>
        {
            r.Deployments = ["us", "unknown", "eu"];
            route?.Invoke(r);
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteAllowsARegion_ServedByADeploymentInItOrASubregion(bool streaming)
    {
        IChatClient router = ThreeRegions(r => r.AllowedRegions = ["eu"]).Build();

        ChatResponse response = await router.CallAsync(streaming);

        Assert.Equal("eu", response.Property(LlmRouterProperties.Deployment));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RequestAllowsRegions_OthersSetAsideWithTheirReasons(bool streaming)
    {
        IChatClient router = ThreeRegions().Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.AllowedRegions] = "ap, ca" } };

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, options));

        Assert.Equal(
            "Route 'default': no deployment can serve this request." + Environment.NewLine +
            "  Not tried: us (region 'us-east-1' is not among the regions the request allows: ap, ca); " +
            "unknown (has no Region, and the request allows only: ap, ca); eu (region 'EU-West-1' is not among the regions the request allows: ap, ca).",
            exception.Message);
        Assert.Empty(exception.Attempts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_RouteAndRequestRegions_BothApply(bool streaming)
    {
        IChatClient router = ThreeRegions(r => r.AllowedRegions = ["us", "eu"]).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.AllowedRegions] = new[] { "eu-west-1" } } };

        ChatResponse response = await router.CallAsync(streaming, options);

        Assert.Equal("eu", response.Property(LlmRouterProperties.Deployment));
    }

    [Fact]
    public void Build_RegionsOnADispatchingRoute_IsAnError()
    {
        LlmRouterBuilder builder = ThreeRegions().AddRoute("ab", r => { r.Variants = new Dictionary<string, double> { ["default"] = 1 }; r.AllowedRegions = ["eu"]; });

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(builder.Build);

        Assert.Contains("AllowedRegions", exception.Message, StringComparison.Ordinal);
    }
}
