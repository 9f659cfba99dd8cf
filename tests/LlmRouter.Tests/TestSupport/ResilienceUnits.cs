using LlmRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmRouter.Tests;

/// <summary>
/// Real routing-model pieces (deployments, routes, requests) for unit tests of the types the router's concerns moved into,
/// and a budget ledger that records what it is asked.
/// </summary>
internal static class ResilienceUnits
{
    /// <summary>Two minutes before midnight at the end of a month, so every budget window's bounds are visible.</summary>
    public static readonly DateTimeOffset Start = new(2026, 5, 31, 23, 58, 30, TimeSpan.Zero);

    /// <summary>A client that always answers, reporting <paramref name="provider"/> as its provider.</summary>
    public static ScriptedChatClient Client(string provider = "fake") => new(provider) { DefaultOutcome = ScriptedOutcome.Text("ok") };

    /// <summary>A builder on <paramref name="clock"/> with the given deployments, each answering, priced when <paramref name="price"/> is given.</summary>
    public static LlmRouterBuilder Builder(FakeTimeProvider clock, ModelPrice? price, params string[] deployments)
    {
        LlmRouterBuilder builder = new LlmRouterBuilder().UseTimeProvider(clock);
        foreach (string name in deployments)
        {
            builder.AddDeployment(name, Client(), d =>
            {
                d.Model = name + "-model";
                d.Price = price;
            });
        }

        return builder;
    }

    /// <summary>Starts a non-streaming request to <paramref name="route"/> at the clock's current time.</summary>
    public static RouterRequest Begin(RouterModel model, string route, ChatOptions? options = null, IEnumerable<ChatMessage>? messages = null)
    {
        var request = new RouterRequest();
        request.Begin(model, model.ResolveRoute(route), messages ?? RouterCalls.Hello, options, model.Time.GetTimestamp(), streaming: false);
        return request;
    }

    /// <summary>The request's next candidate, admitted (its lease taken) as the router would; fails the test when there is none.</summary>
    public static Candidate Next(RouterRequest request)
    {
        Assert.True(request.Cursor.TryNext(request.Time.GetTimestamp(), out Candidate candidate), "The request has no candidate left.");
        return candidate;
    }

    /// <summary>
    /// A budget ledger that grants every reservation unless told to refuse one budget's, and records each reservation and
    /// settlement in order. Not thread-safe: for tests that call it from one thread.
    /// </summary>
    public sealed class RecordingLedger : IBudgetLedger
    {
        /// <summary>Gets the reservations asked for, in order: the window, the limit and the amount.</summary>
        public List<(BudgetKey Key, decimal LimitUsd, decimal AmountUsd)> Reserved { get; } = [];

        /// <summary>Gets the settlements, in order: the reservation settled and the actual cost.</summary>
        public List<(BudgetReservation Reservation, decimal ActualUsd)> Settled { get; } = [];

        /// <summary>Gets the budgets whose reservations are refused, with the spent and reserved figures the refusal reports.</summary>
        public Dictionary<string, (decimal SpentUsd, decimal ReservedUsd)> Refusals { get; } = new(StringComparer.Ordinal);

        /// <summary>Gets or sets the budget whose reservation throws, or <see langword="null"/>.</summary>
        public string? ThrowsOnReserve { get; set; }

        /// <summary>Gets or sets what a settlement returns once recorded; completed by default.</summary>
        public Func<BudgetReservation, ValueTask>? OnSettle { get; set; }

        public ValueTask<BudgetReservation> TryReserveAsync(BudgetKey key, decimal limitUsd, decimal amountUsd, CancellationToken cancellationToken)
        {
            Reserved.Add((key, limitUsd, amountUsd));
            if (key.Budget == ThrowsOnReserve)
            {
                throw new InvalidOperationException($"The ledger is down ({key.Budget}).");
            }

            return new ValueTask<BudgetReservation>(Refusals.TryGetValue(key.Budget, out (decimal Spent, decimal Reserved) refusal)
                ? new BudgetReservation(key, 0, IsGranted: false, refusal.Spent, refusal.Reserved)
                : new BudgetReservation(key, amountUsd, IsGranted: true, SpentUsd: 0, ReservedUsd: 0));
        }

        public ValueTask SettleAsync(BudgetReservation reservation, decimal actualUsd, CancellationToken cancellationToken)
        {
            Settled.Add((reservation, actualUsd));
            return OnSettle?.Invoke(reservation) ?? ValueTask.CompletedTask;
        }

        public ValueTask<BudgetUsage> GetUsageAsync(BudgetKey key, CancellationToken cancellationToken) => new(default(BudgetUsage));
    }
}
