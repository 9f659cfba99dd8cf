namespace LlmRouter;

/// <summary>
/// Adds each virtual key's own <see cref="GatewayKeyOptions.Budget"/> and <see cref="GatewayKeyOptions.RateLimit"/> to the
/// router as a caller budget and a caller rate limit for that key's caller alone, named <c>gateway-key:{name}</c>. Runs at
/// every build of the router, so a router read from configuration picks up changed keys with its own reload; the keys are read
/// afresh each time.
/// </summary>
internal sealed class GatewayKeyLimits(Func<LlmRouterGatewayOptions> read) : IRouterContribution
{
    /// <summary>The prefix of the names of the budgets and rate limits added for keys.</summary>
    public const string NamePrefix = "gateway-key:";

    public void Contribute(LlmRouterBuilder builder)
    {
        LlmRouterGatewayOptions options = read();
        GatewayOptionsValidation.ThrowIfInvalid(options);
        foreach (KeyValuePair<string, GatewayKeyOptions> pair in options.Keys)
        {
            GatewayKeyOptions key = pair.Value;
            string caller = string.IsNullOrWhiteSpace(key.Caller) ? pair.Key : key.Caller.Trim();
            if (key.Budget is { } budget)
            {
                builder.AddBudget(NamePrefix + pair.Key, b =>
                {
                    b.Scope = BudgetScope.Caller;
                    b.Caller = caller;
                    b.LimitUsd = budget.LimitUsd;
                    b.Window = budget.Window;
                });
            }

            if (key.RateLimit is { } limit)
            {
                builder.AddRateLimit(NamePrefix + pair.Key, r =>
                {
                    r.Caller = caller;
                    r.RequestsPerMinute = limit.RequestsPerMinute;
                    r.RequestsPerHour = limit.RequestsPerHour;
                    r.TokensPerMinute = limit.TokensPerMinute;
                    r.TokensPerHour = limit.TokensPerHour;
                });
            }
        }
    }
}
