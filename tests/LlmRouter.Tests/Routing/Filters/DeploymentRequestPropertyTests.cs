using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Filters;

/// <summary><see cref="LlmRouterRequestProperties.Deployment"/>: the request runs on the deployment it names, retried there, never elsewhere.</summary>
public class DeploymentRequestPropertyTests
{
    private static ChatOptions On(string route, object deployment) =>
        new() { ModelId = route, AdditionalProperties = new() { [LlmRouterRequestProperties.Deployment] = deployment } };

    private static ScriptedChatClient Answers(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NamedDeployment_ServesAndNoOtherCandidateIsCalled(bool streaming)
    {
        ScriptedChatClient first = Answers("first");
        ScriptedChatClient second = Answers("second");
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("first", first)
            .AddDeployment("second", second)
            .AddRoute("r", r => r.Deployments = ["first", "second"])
            .Build();

        ChatResponse response = await router.CallAsync(streaming, On("r", "SECOND"));

        Assert.Equal("second", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, first.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NamedDeploymentFails_RetriedThereWithoutFallingBackToAnotherDeploymentOrRoute(bool streaming)
    {
        var named = new ScriptedChatClient("fake");
        named.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable), ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable), ScriptedOutcome.Text("third time"));
        ScriptedChatClient other = Answers("other");
        ScriptedChatClient fallback = Answers("fallback");
        IChatClient router = new LlmRouterBuilder()
            .ConfigureRetry(r => { r.MaxAttempts = 3; r.BaseDelay = TimeSpan.FromMilliseconds(1); })
            .AddDeployment("named", named)
            .AddDeployment("other", other)
            .AddDeployment("fallback", fallback)
            .AddRoute("r", r => { r.Deployments = ["other", "named"]; r.Fallbacks = ["f"]; })
            .AddRoute("f", r => r.Deployments = ["fallback"])
            .Build();

        ChatResponse response = await router.CallAsync(streaming, On("r", "named"));

        Assert.Equal("named", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(3, named.CallCount);
        Assert.Equal(0, other.CallCount);
        Assert.Equal(0, fallback.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NamedDeploymentKeepsFailing_ErrorListsTheOthersAsSetAsideByTheRequest(bool streaming)
    {
        var named = new ScriptedChatClient("fake") { DefaultOutcome = ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable) };
        ScriptedChatClient other = Answers("other");
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("named", named)
            .AddDeployment("other", other)
            .AddRoute("r", r => r.Deployments = ["other", "named"])
            .Build();

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, On("r", new[] { "named" })));

        RouterAttempt attempt = Assert.Single(exception.Attempts);
        Assert.Equal("named", attempt.Deployment);
        Assert.Contains("other (not the deployment the request names: named)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, other.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Call_NameNotAmongTheCandidates_NothingIsCalled(bool streaming)
    {
        ScriptedChatClient only = Answers("only");
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("only", only)
            .AddRoute("r", r => r.Deployments = ["only"])
            .Build();

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, On("r", "elsewhere")));

        Assert.Empty(exception.Attempts);
        Assert.Contains("only (not the deployment the request names: elsewhere)", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, only.CallCount);
    }

    [Fact]
    public async Task Call_DeploymentProperty_IsNotForwardedToTheDeployment()
    {
        ScriptedChatClient only = Answers("only");
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("only", only)
            .AddRoute("r", r => r.Deployments = ["only"])
            .Build();

        await router.GetResponseAsync(RouterCalls.Hello, On("r", "only"));

        Assert.False(only.Calls[0].Options?.AdditionalProperties?.ContainsKey(LlmRouterRequestProperties.Deployment) ?? false);
    }
}
