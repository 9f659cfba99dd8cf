namespace LlmRouter;

/// <summary>
/// The period a budget's limit applies to. Windows are fixed calendar periods in UTC: a minute, an hour, a day from midnight
/// UTC, a month from the first day at midnight UTC; spend starts again from zero when the next one begins.
/// </summary>
public enum BudgetWindow
{
    /// <summary>Each calendar minute (UTC).</summary>
    Minute = 0,

    /// <summary>Each hour (UTC).</summary>
    Hour = 1,

    /// <summary>Each day, from midnight UTC.</summary>
    Day = 2,

    /// <summary>Each calendar month, from the first day at midnight UTC.</summary>
    Month = 3,
}
