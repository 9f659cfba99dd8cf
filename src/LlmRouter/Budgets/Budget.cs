namespace LlmRouter;

/// <summary>A budget as the router built it: immutable, with its route references resolved.</summary>
internal sealed class Budget
{
    public Budget(string name, BudgetOptions options)
    {
        Name = name;
        Scope = options.Scope;
        Target = options.Target;
        CallerProperty = options.CallerProperty;
        Caller = string.IsNullOrWhiteSpace(options.Caller) ? null : options.Caller.Trim();
        Window = options.Window;
        LimitUsd = options.LimitUsd;
        OnExceeded = options.OnExceeded;
    }

    public string Name { get; }

    public BudgetScope Scope { get; }

    /// <summary>Gets the route or deployment name the budget limits, as configured.</summary>
    public string? Target { get; }

    public string CallerProperty { get; }

    /// <summary>Gets the one caller a caller budget limits, or <see langword="null"/> for each caller.</summary>
    public string? Caller { get; }

    public BudgetWindow Window { get; }

    public decimal LimitUsd { get; }

    public BudgetExceededAction OnExceeded { get; }

    /// <summary>Gets the route a caller budget is limited to, or <see langword="null"/> for every route.</summary>
    public Route? TargetRoute { get; set; }

    /// <summary>Gets the route that serves what the budget cannot cover, with <see cref="BudgetExceededAction.Downgrade"/>.</summary>
    public Route? DowngradeTo { get; set; }

    /// <summary>Returns the window that contains <paramref name="now"/>.</summary>
    public BudgetKey Key(DateTimeOffset now, string? caller)
    {
        (DateTimeOffset start, DateTimeOffset end) = Bounds(Window, now);
        return new BudgetKey(Name, caller, start, end);
    }

    /// <summary>The calendar window (UTC) that contains <paramref name="now"/>.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Bounds(BudgetWindow window, DateTimeOffset now)
    {
        DateTime utc = now.UtcDateTime;
        DateTime start = window switch
        {
            BudgetWindow.Minute => new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc),
            BudgetWindow.Hour => new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc),
            BudgetWindow.Day => new DateTime(utc.Year, utc.Month, utc.Day, 0, 0, 0, DateTimeKind.Utc),
            _ => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        DateTime end = window switch
        {
            BudgetWindow.Minute => start.AddMinutes(1),
            BudgetWindow.Hour => start.AddHours(1),
            BudgetWindow.Day => start.AddDays(1),
            _ => start.AddMonths(1),
        };
        return (new DateTimeOffset(start), new DateTimeOffset(end));
    }

    public override string ToString() => Name;
}
