using System.Collections.Concurrent;

namespace LlmRouter;

/// <summary>
/// One configured caller limit (<see cref="RateLimitOptions"/>): its windows and, in this process, one set of counters per
/// caller. Counters of callers whose buckets are full again (they hold nothing a new one would not) are swept at most once a
/// minute, from whichever request notices first, so the map does not grow with every caller ever seen.
/// </summary>
internal sealed class CallerRateLimit
{
    private readonly ConcurrentDictionary<string, GcraCell[]> _callers = new(StringComparer.Ordinal);
    private readonly long _sweepInterval;
    private long _nextSweep;

    public CallerRateLimit(string name, RateLimitOptions options, Route? route, long frequency)
    {
        Name = name;
        CallerProperty = options.CallerProperty;
        Caller = string.IsNullOrWhiteSpace(options.Caller) ? null : options.Caller.Trim();
        Route = route;
        var windows = new List<CallerWindow>(4);
        Add(windows, options.RequestsPerMinute, tokens: false, TimeSpan.FromMinutes(1), "minute", frequency);
        Add(windows, options.RequestsPerHour, tokens: false, TimeSpan.FromHours(1), "hour", frequency);
        Add(windows, options.TokensPerMinute, tokens: true, TimeSpan.FromMinutes(1), "minute", frequency);
        Add(windows, options.TokensPerHour, tokens: true, TimeSpan.FromHours(1), "hour", frequency);
        Windows = [.. windows];
        CountsTokens = options.TokensPerMinute is not null || options.TokensPerHour is not null;
        _sweepInterval = Timestamps.FromTimeSpan(TimeSpan.FromMinutes(1), frequency);
    }

    public string Name { get; }

    public string CallerProperty { get; }

    /// <summary>Gets the one caller the limit applies to, or <see langword="null"/> for each caller.</summary>
    public string? Caller { get; }

    /// <summary>Gets the route whose requests the limit counts, or <see langword="null"/> for every request.</summary>
    public Route? Route { get; }

    /// <summary>Gets the limit's windows: requests and tokens, per minute and per hour, those configured.</summary>
    public CallerWindow[] Windows { get; }

    /// <summary>Gets whether a window counts tokens, so a request reserves its estimate.</summary>
    public bool CountsTokens { get; }

    /// <summary>Gets how many callers have counters in this process, for tests of the sweep.</summary>
    internal int CallerCount => _callers.Count;

    /// <summary>Gets the caller's counters in this process (one per window), created on first use.</summary>
    public GcraCell[] Cells(string caller, long now)
    {
        Sweep(now);
        return _callers.TryGetValue(caller, out GcraCell[]? cells)
            ? cells
            : _callers.GetOrAdd(caller, static (_, count) => NewCells(count), Windows.Length);
    }

    /// <summary>The key of a caller's counter of one window in a shared store.</summary>
    public string Key(in CallerWindow window, string caller) => $"caller:{Name}:{window.Period}:{window.LimitName}:{caller}";

    private static GcraCell[] NewCells(int count)
    {
        var cells = new GcraCell[count];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = new GcraCell();
        }

        return cells;
    }

    private static void Add(List<CallerWindow> windows, long? limit, bool tokens, TimeSpan window, string period, long frequency)
    {
        if (limit is { } value)
        {
            windows.Add(new CallerWindow(tokens ? "tokens" : "requests", value, window, Timestamps.FromTimeSpan(window, frequency), tokens, period));
        }
    }

    private void Sweep(long now)
    {
        long next = Volatile.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + _sweepInterval, next) != next)
        {
            return;
        }

        foreach (KeyValuePair<string, GcraCell[]> entry in _callers)
        {
            bool idle = true;
            foreach (GcraCell cell in entry.Value)
            {
                idle &= cell.IsIdle(now);
            }

            // Only a caller whose buckets are full is removed. One that takes from them between this check and the removal
            // loses that take (its next request finds a full bucket): at most one request per caller and sweep goes uncounted.
            if (idle)
            {
                _callers.TryRemove(entry);
            }
        }
    }
}

/// <summary>One window of a caller limit.</summary>
/// <param name="LimitName">What it counts: <c>requests</c> or <c>tokens</c>.</param>
/// <param name="Limit">The units per window.</param>
/// <param name="Window">The window.</param>
/// <param name="Ticks">The window in timestamp ticks.</param>
/// <param name="Tokens">Whether it counts tokens.</param>
/// <param name="Period">The window's name in keys: <c>minute</c> or <c>hour</c>.</param>
internal readonly record struct CallerWindow(string LimitName, long Limit, TimeSpan Window, long Ticks, bool Tokens, string Period);
