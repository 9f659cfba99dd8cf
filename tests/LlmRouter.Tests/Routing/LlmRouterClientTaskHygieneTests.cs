using System.Collections.Concurrent;
using System.Net;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>
/// Hedging, timeouts and cancellation leave tasks behind by design (a losing attempt finishes in the background); none
/// of them may end as an unobserved exception.
/// </summary>
public class LlmRouterClientTaskHygieneTests
{
    [Fact]
    public async Task HedgingTimeoutsAndCancellation_LeaveNoUnobservedTaskException()
    {
        var unobserved = new ConcurrentQueue<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) =>
        {
            if (e.Exception.ToString().Contains("LlmRouter", StringComparison.Ordinal))
            {
                unobserved.Enqueue(e.Exception);
            }
        };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            await RunScenariosAsync();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }

        Assert.Empty(unobserved);
    }

    private static async Task RunScenariosAsync()
    {
        for (int round = 0; round < 20; round++)
        {
            foreach (bool streaming in new[] { false, true })
            {
                var clock = new TimerTrackingFakeTimeProvider();
                ScriptedChatClient slow = new ScriptedChatClient(timeProvider: clock)
                    .Enqueue(ScriptedOutcome.Failure(HttpStatusCode.InternalServerError).After(TimeSpan.FromSeconds(5)), ScriptedOutcome.Stall());
                ScriptedChatClient fast = new ScriptedChatClient(timeProvider: clock)
                    .Enqueue(ScriptedOutcome.Text("fast"), ScriptedOutcome.Stall());
                IChatClient router = new LlmRouterBuilder()
                    .UseTimeProvider(clock)
                    .WithoutRetries()
                    .ConfigureTimeouts(t => t.Attempt = TimeSpan.FromSeconds(2))
                    .AddDeployment("slow", slow)
                    .AddDeployment("fast", fast)
                    .AddRoute("hedged", r => { r.Deployments = ["slow", "fast"]; r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1) }; })
                    .AddRoute("timed", r => r.Deployments = ["slow", "fast"])
                    .UseDefaultRoute("hedged")
                    .Build();

                // A hedged race whose loser later fails on its own.
                Task<ChatResponse> hedged = router.CallAsync(streaming);
                await clock.WaitForTimersAsync(3);
                clock.Advance(TimeSpan.FromSeconds(1));
                await hedged;
                clock.Advance(TimeSpan.FromSeconds(10));
                await slow.WaitForStreamsClosedAsync();

                // Two attempts that time out.
                Task<ChatResponse> timed = router.CallAsync(streaming, RouterCalls.Route("timed"));
                await slow.WaitForCallsAsync(2);
                clock.Advance(TimeSpan.FromSeconds(2));
                await fast.WaitForCallsAsync(2);
                clock.Advance(TimeSpan.FromSeconds(2));
                await Assert.ThrowsAsync<LlmRouterException>(() => timed);
            }
        }
    }
}
