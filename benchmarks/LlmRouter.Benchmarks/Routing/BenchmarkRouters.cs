using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

internal static class BenchmarkRouters
{
    /// <summary>One route, two deployments; the primary always succeeds.</summary>
    /// <param name="chunks">How many updates each deployment streams.</param>
    /// <param name="resilience">Whether retry, circuit breaker and timeouts are on (the defaults) or all off.</param>
    /// <param name="asynchronous">Whether the deployments complete asynchronously.</param>
    /// <param name="route">
    /// The route's name: "default", or the deployments' model "fake-model", so that a caller naming the model needs no copy
    /// of its options.
    /// </param>
    public static IChatClient Create(int chunks, bool resilience, bool asynchronous = false, string route = "default")
    {
        var builder = new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks, asynchronous), d => d.Model = "fake-model")
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks, asynchronous), d => d.Model = "fake-model")
            .AddRoute(route, r => r.Deployments = ["primary", "backup"]);
        if (!resilience)
        {
            builder.WithoutResilience();
        }

        return builder.Build();
    }

    /// <summary>Turns retry, the circuit breaker and every timeout off: the router with nothing but routing.</summary>
    public static LlmRouterBuilder WithoutResilience(this LlmRouterBuilder builder) => builder
        .ConfigureRetry(r => r.MaxAttempts = 1)
        .ConfigureCircuitBreaker(b => b.Enabled = false)
        .ConfigureTimeouts(t =>
        {
            t.Total = null;
            t.Attempt = null;
            t.FirstChunk = null;
            t.BetweenChunks = null;
        });

    /// <summary>
    /// Two priced stand-ins on one route, optionally <see cref="SelectionStrategies.LeastBusy"/> and with a router-wide budget:
    /// the configurations that read and write shared state by design (calls in flight, the budget's ledger).
    /// </summary>
    public static IChatClient CreateShared(bool leastBusy, bool budget)
    {
        var builder = new LlmRouterBuilder()
            .AddDeployment("primary", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; d.Price = new ModelPrice(1m, 2m); })
            .AddDeployment("backup", new BenchmarkChatClient("Hello!", chunks: 1), d => { d.Model = "fake-model"; d.Price = new ModelPrice(1m, 2m); })
            .AddRoute("default", r =>
            {
                r.Deployments = ["primary", "backup"];
                if (leastBusy)
                {
                    r.Strategy = SelectionStrategies.LeastBusy;
                }
            });
        if (budget)
        {
            builder.AddBudget("all", b => b.LimitUsd = 100_000_000m);
        }

        return builder.Build();
    }

    /// <summary>
    /// The nearest peer: Microsoft.Extensions.AI's <see cref="OrderedFailoverChatClient"/> over the same two stand-ins. It has
    /// no routes, so callers give it the model id itself (the direct call's options), and it forwards the caller's options as
    /// they are, where the router forwards a copy with the route's name replaced by the deployment's model.
    /// </summary>
    public static IChatClient CreatePeer(int chunks, bool asynchronous = false) => new OrderedFailoverChatClient(
        [new BenchmarkChatClient("Hello!", chunks, asynchronous), new BenchmarkChatClient("Hello!", chunks, asynchronous)],
        leaveOpen: false);
}
