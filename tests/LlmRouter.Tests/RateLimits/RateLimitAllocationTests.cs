using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.RateLimits;

/// <summary>In-process rate limits that are not reached add no allocation to a request.</summary>
public class RateLimitAllocationTests
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Say hello.")];

    [Fact]
    public void Call_LimitsNotReached_AllocateNothingMoreThanTheSameCallWithoutLimits()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.Caller] = "alice" } };
        IChatClient plain = Router(_ => { });
        IChatClient deployment = Router(d => { d.RequestsPerMinute = long.MaxValue / 4; d.TokensPerMinute = long.MaxValue / 4; });
        IChatClient caller = Router(_ => { }, b => b.AddRateLimit("per-user", l => { l.RequestsPerMinute = long.MaxValue / 4; l.TokensPerHour = long.MaxValue / 4; }));

        long withoutLimits = BytesPerCall(plain, options);

        Assert.Equal((withoutLimits, withoutLimits), (BytesPerCall(deployment, options), BytesPerCall(caller, options)));
    }

    private static long BytesPerCall(IChatClient router, ChatOptions options)
    {
        for (int i = 0; i < 10; i++)
        {
            Assert.True(router.GetResponseAsync(Messages, options).IsCompletedSuccessfully);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            router.GetResponseAsync(Messages, options);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    private static IChatClient Router(Action<DeploymentOptions> limits, Action<LlmRouterBuilder>? configure = null)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder()
            .AddDeployment("a", new AnsweringClient(), d => { d.Model = "m"; limits(d); })
            .WithoutRetries()
            .WithoutTimeouts()
            .ConfigureCircuitBreaker(b => b.Enabled = false);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Answers synchronously with a new response each time, as the benchmarks' stand-in does.</summary>
    private sealed class AnsweringClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hello!")) { Usage = new UsageDetails { InputTokenCount = 5, OutputTokenCount = 2 } });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
