using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace LlmRouter.Tests.Resilience.Storm;

[CollectionDefinition(nameof(FaultStormTests), DisableParallelization = true)]
public sealed class FaultStormCollection;

/// <summary>
/// Thousands of requests, streamed and not, from many concurrent callers through one router with the default resilience
/// settings, over three loopback providers with mixed faults (refusals, rate limits, stalls, broken and invalid streams,
/// empty answers), with bad input and caller cancellations mixed in.
/// </summary>
[Collection(nameof(FaultStormTests))]
public sealed class FaultStormTests(ITestOutputHelper output)
{
    private const int Requests = 2_000;
    private const int Workers = 64;
    private static readonly TimeSpan Total = TimeSpan.FromSeconds(3);

    /// <summary>
    /// <c>"one steady"</c>: a flaky primary, a mostly broken second and a steady third deployment. <c>"all rate-limited"</c>:
    /// three deployments that each refuse a third of their calls with 429 and a one-second Retry-After, so that for much of the
    /// storm every deployment is cooling down and requests must wait for the soonest to come back.
    /// </summary>
    [Theory]
    [InlineData("one steady")]
    [InlineData("all rate-limited")]
    public async Task Storm_EveryRequestEndsInTimeWithATypedOutcomeAndMostSucceed(string scenario)
    {
        var unobserved = new ConcurrentQueue<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) => unobserved.Enqueue(e.Exception);
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            (Fault, double)[] rateLimited = [(Fault.RateLimited, 0.33), (Fault.Overloaded, 0.05), (Fault.InvalidUtf8AfterContent, 0.01)];
            await using FaultyProviderServer flaky = scenario == "one steady"
                ? await FaultyProviderServer.StartAsync(
                    1,
                    (Fault.Overloaded, 0.30), (Fault.RateLimited, 0.10), (Fault.Slow, 0.10), (Fault.Stall, 0.03), (Fault.TruncatedStream, 0.04),
                    (Fault.InvalidUtf8BeforeContent, 0.04), (Fault.InvalidUtf8AfterContent, 0.03), (Fault.EmptyAnswer, 0.04))
                : await FaultyProviderServer.StartAsync(1, rateLimited);
            await using FaultyProviderServer broken = scenario == "one steady"
                ? await FaultyProviderServer.StartAsync(2, (Fault.ServerError, 0.6), (Fault.Stall, 0.2), (Fault.InvalidUtf8BeforeContent, 0.1))
                : await FaultyProviderServer.StartAsync(2, rateLimited);
            await using FaultyProviderServer steady = scenario == "one steady"
                ? await FaultyProviderServer.StartAsync(3, (Fault.ServerError, 0.04), (Fault.Slow, 0.05), (Fault.TruncatedStream, 0.01), (Fault.InvalidUtf8AfterContent, 0.01))
                : await FaultyProviderServer.StartAsync(3, rateLimited);

            using var router = new LlmRouterBuilder()
                .ConfigureTimeouts(t =>
                {
                    t.Total = Total;
                    t.Attempt = TimeSpan.FromSeconds(1);
                    t.FirstChunk = TimeSpan.FromSeconds(1);
                })
                .AddDeployment("flaky", Client(flaky))
                .AddDeployment("broken", Client(broken))
                .AddDeployment("steady", Client(steady))
                .Build();

            // How late the machine itself runs timers during the storm: a request may end that much later than its deadline
            // for reasons that are not the router's (two shared cores, other builds).
            using var storming = new CancellationTokenSource();
            Task<TimeSpan> timerLateness = MeasureTimerLatenessAsync(storming.Token);
            Outcome[] outcomes = new Outcome[Requests];
            int next = -1;
            Task[] workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < Requests)
                {
                    outcomes[index] = await RunAsync(router, index);
                }
            })).ToArray();
            await Task.WhenAll(workers);
            await storming.CancelAsync();
            TimeSpan lateness = await timerLateness;

            // Every response the router opened was disposed: no provider request is left open.
            var settle = Stopwatch.StartNew();
            while (flaky.Open + broken.Open + steady.Open > 0 && settle.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            Outcome[] counted = [.. outcomes.Where(o => o.Kind == RequestKind.Valid)];
            double served = counted.Count(o => o.Succeeded) / (double)counted.Length;
            TimeSpan worstOverrun = outcomes.Max(o => o.Elapsed) - Total;
            output.WriteLine(
                $"{scenario}: {Requests} requests: {counted.Length} valid, {served:P1} served; provider calls flaky {flaky.Received}, broken {broken.Received}, steady {steady.Received}; " +
                $"slowest request {outcomes.Max(o => o.Elapsed).TotalMilliseconds:F0} ms (total timeout {Total.TotalMilliseconds:F0} ms); timers ran up to {lateness.TotalMilliseconds:F0} ms late.");
            foreach (IGrouping<string, Outcome> group in outcomes.Where(o => o.Failure is not null).GroupBy(o => o.Failure!.GetType().Name + (o.AfterCommit ? " (after commit)" : string.Empty)))
            {
                output.WriteLine($"  {group.Count()} × {group.Key}");
            }

            Assert.Empty(outcomes.Where(o => !o.AllowedFailure).Select(o => o.Failure!.GetType() + ": " + o.Failure.Message).Take(5));
            Assert.All(outcomes.Where(o => o.Kind == RequestKind.BadInput), o => Assert.Equal(
                ProviderErrorKind.BadRequest, Assert.IsType<LlmRouterException>(o.Failure).Attempts.Single().Kind));
            Assert.True(
                worstOverrun <= TimeSpan.FromMilliseconds(100) + lateness,
                $"A request overran its total timeout by {worstOverrun.TotalMilliseconds:F0} ms; timers ran up to {lateness.TotalMilliseconds:F0} ms late.");
            Assert.True(served >= 0.8, $"Only {served:P1} of the valid requests were served.");
            Assert.Equal(0, flaky.Open + broken.Open + steady.Open);
            Assert.Empty(unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    /// <summary>Measures, until cancelled, the most a 10 ms timer fired late.</summary>
    private static async Task<TimeSpan> MeasureTimerLatenessAsync(CancellationToken cancellationToken)
    {
        TimeSpan worst = TimeSpan.Zero;
        var interval = TimeSpan.FromMilliseconds(10);
        while (!cancellationToken.IsCancellationRequested)
        {
            var waited = Stopwatch.StartNew();
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            TimeSpan late = waited.Elapsed - interval;
            worst = late > worst ? late : worst;
        }

        return worst;
    }

    private static IChatClient Client(FaultyProviderServer server) =>
        ProviderClientFactory.CreateChatClient(
            new ProviderOptions { Type = ProviderTypes.OpenAICompatible, Endpoint = server.BaseUri, ApiKey = "sk-storm-0123456789abcdef" }, "m");

    private static async Task<Outcome> RunAsync(IChatClient router, int index)
    {
        // One in twenty sends a null message, one in twenty is cancelled by its caller early on; half are streamed.
        RequestKind kind = (index % 20) switch
        {
            7 => RequestKind.BadInput,
            13 => RequestKind.Cancelled,
            _ => RequestKind.Valid,
        };
        bool streaming = index % 2 == 0;
        IList<ChatMessage> messages = kind == RequestKind.BadInput ? [new ChatMessage(ChatRole.User, "Hi"), null!] : [new ChatMessage(ChatRole.User, "Hi")];
        using var cancellation = new CancellationTokenSource();
        if (kind == RequestKind.Cancelled)
        {
            cancellation.CancelAfter(TimeSpan.FromMilliseconds(index % 50));
        }

        var elapsed = Stopwatch.StartNew();
        bool committed = false;
        try
        {
            if (streaming)
            {
                int updates = 0;
                await foreach (ChatResponseUpdate update in router.GetStreamingResponseAsync(messages, cancellationToken: cancellation.Token))
                {
                    committed |= update.Contents.Count > 0;
                    updates++;
                }

                return new Outcome(kind, elapsed.Elapsed, Failure: null, committed, Succeeded: updates > 0);
            }

            ChatResponse response = await router.GetResponseAsync(messages, cancellationToken: cancellation.Token);
            return new Outcome(kind, elapsed.Elapsed, Failure: null, AfterCommit: false, Succeeded: response.Text.Length > 0);
        }
#pragma warning disable CA1031 // The storm records every exception to check its type.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new Outcome(kind, elapsed.Elapsed, exception, committed, Succeeded: false);
        }
    }

    private enum RequestKind
    {
        Valid,
        BadInput,
        Cancelled,
    }

    private readonly record struct Outcome(RequestKind Kind, TimeSpan Elapsed, Exception? Failure, bool AfterCommit, bool Succeeded)
    {
        /// <summary>Whether the request ended as a caller may expect: the router's own error, a timeout, a cancellation, or the provider's error after the commit point.</summary>
        public bool AllowedFailure => Failure is null or LlmRouterException or TimeoutException or OperationCanceledException || (AfterCommit && Failure is ProviderException);
    }
}
