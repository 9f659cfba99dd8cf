namespace LlmRouter.Tests.Budgets;

public class BudgetExceededExceptionTests
{
    [Fact]
    public void Message_CallerOnRoute_NamesBudgetLimitSpentReservedEstimateAndReset()
    {
        var exception = new BudgetExceededException(
            "smart", "per-team", BudgetScope.Caller, "smart", "team-a", BudgetWindow.Hour,
            limitUsd: 2m, spentUsd: 1.9876m, reservedUsd: 0.01m, estimatedUsd: 0.0123456789012m, resetsAt: new DateTimeOffset(2026, 5, 1, 11, 0, 0, TimeSpan.Zero));

        Assert.Equal(
            "Route 'smart': budget 'per-team' ($2.00 per hour for caller 'team-a' on route 'smart') cannot cover the request: $1.9876 spent plus $0.01 reserved " +
            "by calls in flight, and the request is estimated at $0.0123456789. It resets at 2026-05-01 11:00:00 UTC.",
            exception.Message);
    }

    [Theory]
    [InlineData(BudgetScope.Router, null, "the router")]
    [InlineData(BudgetScope.Route, "fast", "route 'fast'")]
    [InlineData(BudgetScope.Deployment, "mini", "deployment 'mini'")]
    public void Message_Scope_SaysWhatIsLimited(BudgetScope scope, string? target, string what)
    {
        var exception = new BudgetExceededException("fast", "b", scope, target, null, BudgetWindow.Month, 10m, 10m, 0m, 0.5m, DateTimeOffset.UnixEpoch);

        Assert.Contains($"($10.00 per month for {what})", exception.Message, StringComparison.Ordinal);
    }
}
