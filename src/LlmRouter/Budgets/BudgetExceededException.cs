using System.Globalization;

namespace LlmRouter;

/// <summary>
/// A request was rejected because a budget (<see cref="LlmRouterBuilder.AddBudget(string, Action{BudgetOptions})"/>) could not
/// cover it: the window's spend plus the reservations of calls in flight plus this request's estimated cost would exceed the limit.
/// </summary>
/// <remarks>Nothing was sent to a provider for the attempt the budget refused. Retry after <see cref="ResetsAt"/>, or raise the limit.</remarks>
public sealed class BudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="route">The route the caller asked for.</param>
    /// <param name="budget">The budget's name.</param>
    /// <param name="scope">What the budget limits.</param>
    /// <param name="target">The route or deployment the budget limits, if any.</param>
    /// <param name="caller">The caller's key, for a caller budget.</param>
    /// <param name="window">The budget's window.</param>
    /// <param name="limitUsd">The limit per window, in USD.</param>
    /// <param name="spentUsd">The settled spend in the current window, in USD.</param>
    /// <param name="reservedUsd">What calls in flight held reserved, in USD.</param>
    /// <param name="estimatedUsd">The estimated cost of the refused call, in USD.</param>
    /// <param name="resetsAt">When the window ends and the budget resets.</param>
    public BudgetExceededException(
        string route,
        string budget,
        BudgetScope scope,
        string? target,
        string? caller,
        BudgetWindow window,
        decimal limitUsd,
        decimal spentUsd,
        decimal reservedUsd,
        decimal estimatedUsd,
        DateTimeOffset resetsAt)
        : base(Describe(route, budget, scope, target, caller, window, limitUsd, spentUsd, reservedUsd, estimatedUsd, resetsAt))
    {
        Route = route;
        Budget = budget;
        Scope = scope;
        Target = target;
        Caller = caller;
        Window = window;
        LimitUsd = limitUsd;
        SpentUsd = spentUsd;
        ReservedUsd = reservedUsd;
        EstimatedUsd = estimatedUsd;
        ResetsAt = resetsAt;
    }

    /// <summary>Gets the route the caller asked for.</summary>
    public string Route { get; }

    /// <summary>Gets the name of the budget that refused the request.</summary>
    public string Budget { get; }

    /// <summary>Gets what the budget limits.</summary>
    public BudgetScope Scope { get; }

    /// <summary>Gets the route or deployment the budget limits, or <see langword="null"/> for a router-wide budget.</summary>
    public string? Target { get; }

    /// <summary>Gets the caller's key for a caller budget, or <see langword="null"/>.</summary>
    public string? Caller { get; }

    /// <summary>Gets the budget's window.</summary>
    public BudgetWindow Window { get; }

    /// <summary>Gets the limit per window, in USD.</summary>
    public decimal LimitUsd { get; }

    /// <summary>Gets the settled spend of the current window when the request was refused, in USD.</summary>
    public decimal SpentUsd { get; }

    /// <summary>Gets what calls in flight held reserved when the request was refused, in USD.</summary>
    public decimal ReservedUsd { get; }

    /// <summary>Gets the estimated cost of the refused call, in USD.</summary>
    public decimal EstimatedUsd { get; }

    /// <summary>Gets when the window ends and the budget starts again from zero.</summary>
    public DateTimeOffset ResetsAt { get; }

    private static string Describe(
        string route, string budget, BudgetScope scope, string? target, string? caller, BudgetWindow window,
        decimal limit, decimal spent, decimal reserved, decimal estimated, DateTimeOffset resetsAt)
    {
        string what = scope switch
        {
            BudgetScope.Router => "the router",
            BudgetScope.Route => $"route '{target}'",
            BudgetScope.Deployment => $"deployment '{target}'",
            _ => target is null ? $"caller '{caller}'" : $"caller '{caller}' on route '{target}'",
        };
        string inFlight = reserved > 0 ? string.Create(CultureInfo.InvariantCulture, $" plus {Usd(reserved)} reserved by calls in flight") : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Route '{route}': budget '{budget}' ({Usd(limit)} per {window.ToString().ToLowerInvariant()} for {what}) cannot cover the request: " +
            $"{Usd(spent)} spent{inFlight}, and the request is estimated at {Usd(estimated)}. It resets at {resetsAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.");
    }

    /// <summary>Formats US dollars with at least two decimals and as many more as the amount has (up to ten).</summary>
    internal static string Usd(decimal amount) => "$" + decimal.Round(amount, 10).ToString("0.00########", CultureInfo.InvariantCulture);
}
