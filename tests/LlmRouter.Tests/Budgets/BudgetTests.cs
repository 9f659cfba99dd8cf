namespace LlmRouter.Tests.Budgets;

public class BudgetTests
{
    public static TheoryData<BudgetWindow, string, string> Windows => new()
    {
        { BudgetWindow.Minute, "2026-02-28T23:59:00Z", "2026-03-01T00:00:00Z" },
        { BudgetWindow.Hour, "2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z" },
        { BudgetWindow.Day, "2026-02-28T00:00:00Z", "2026-03-01T00:00:00Z" },
        { BudgetWindow.Month, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Bounds_InstantInWindow_CalendarWindowInUtc(BudgetWindow window, string start, string end)
    {
        // 23:59:30 UTC on the last day of February, given in another offset.
        var now = new DateTimeOffset(2026, 3, 1, 1, 59, 30, TimeSpan.FromHours(2));

        (DateTimeOffset from, DateTimeOffset to) = Budget.Bounds(window, now);

        Assert.Equal((DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture)), (from, to));
    }

    [Fact]
    public void Bounds_FirstInstantOfAWindow_BelongsToIt()
    {
        var midnight = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal((midnight, midnight.AddDays(1)), Budget.Bounds(BudgetWindow.Day, midnight));
    }
}
