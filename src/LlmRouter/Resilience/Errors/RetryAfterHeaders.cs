using System.Globalization;
using System.Net.Http.Headers;

namespace LlmRouter;

/// <summary>
/// Reads how long a provider asked the caller to wait, from every header form providers use:
/// <c>retry-after-ms</c>, <c>Retry-After</c> (seconds or HTTP date), OpenAI-style
/// <c>x-ratelimit-reset-requests/tokens</c> durations (<c>1s</c>, <c>6m0s</c>, <c>20ms</c>),
/// Anthropic <c>anthropic-ratelimit-*-reset</c> timestamps and <c>x-ratelimit-reset</c> (seconds or epoch).
/// </summary>
internal static class RetryAfterHeaders
{
    private const string RetryAfterMs = "retry-after-ms";
    private const string RetryAfter = "Retry-After";
    private const string RateLimitReset = "x-ratelimit-reset";

    // Values above these are absolute epoch times, not deltas: no provider asks for a 30-year wait.
    private const double EpochSecondsThreshold = 1_000_000_000;
    private const double EpochMillisecondsThreshold = 1_000_000_000_000;

    private static readonly (string Reset, string Remaining)[] ResetDurationHeaders =
    [
        ("x-ratelimit-reset-requests", "x-ratelimit-remaining-requests"),
        ("x-ratelimit-reset-tokens", "x-ratelimit-remaining-tokens"),
    ];

    private static readonly (string Reset, string Remaining)[] ResetTimestampHeaders =
    [
        ("anthropic-ratelimit-requests-reset", "anthropic-ratelimit-requests-remaining"),
        ("anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-tokens-remaining"),
        ("anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-input-tokens-remaining"),
        ("anthropic-ratelimit-output-tokens-reset", "anthropic-ratelimit-output-tokens-remaining"),
    ];

    /// <summary>Returns the wait the headers ask for, or <see langword="null"/> when they ask for none.</summary>
    /// <param name="headers">The response headers.</param>
    /// <param name="now">The current time, for HTTP-date and timestamp forms.</param>
    /// <param name="includeRateLimitResets">
    /// Whether to read rate-limit reset headers. Providers send them on every response, so they mean
    /// "wait" only when the response is a rate-limit rejection.
    /// </param>
    public static TimeSpan? Parse(HttpHeaders headers, DateTimeOffset now, bool includeRateLimitResets)
    {
        if (First(headers, RetryAfterMs) is { } ms
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds)
            && double.IsFinite(milliseconds))
        {
            return NonNegative(TimeSpan.FromMilliseconds(milliseconds));
        }

        if (First(headers, RetryAfter) is { } retryAfter && TryParseRetryAfter(retryAfter, now, out TimeSpan wait))
        {
            return wait;
        }

        if (!includeRateLimitResets)
        {
            return null;
        }

        TimeSpan? longest = null;
        TimeSpan? exhausted = null;
        foreach ((string reset, string remaining) in ResetDurationHeaders)
        {
            if (First(headers, reset) is { } value && TryParseDuration(value, out TimeSpan duration))
            {
                Track(headers, remaining, duration, ref longest, ref exhausted);
            }
        }

        foreach ((string reset, string remaining) in ResetTimestampHeaders)
        {
            if (First(headers, reset) is { } value
                && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                Track(headers, remaining, NonNegative(at - now), ref longest, ref exhausted);
            }
        }

        if ((exhausted ?? longest) is { } fromResets)
        {
            return fromResets;
        }

        if (First(headers, RateLimitReset) is { } generic
            && double.TryParse(generic, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            && double.IsFinite(number))
        {
            return number switch
            {
                >= EpochMillisecondsThreshold => NonNegative(DateTimeOffset.FromUnixTimeMilliseconds((long)number) - now),
                >= EpochSecondsThreshold => NonNegative(DateTimeOffset.FromUnixTimeSeconds((long)number) - now),
                _ => NonNegative(TimeSpan.FromSeconds(number)),
            };
        }

        return null;
    }

    /// <summary>Parses a <c>Retry-After</c> value: delay seconds (integer or decimal) or an HTTP date.</summary>
    public static bool TryParseRetryAfter(string value, DateTimeOffset now, out TimeSpan wait)
    {
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds))
        {
            wait = NonNegative(TimeSpan.FromSeconds(seconds));
            return true;
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date)
            || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            wait = NonNegative(date - now);
            return true;
        }

        wait = default;
        return false;
    }

    /// <summary>
    /// Parses a Go-style duration as OpenAI and Groq send it (<c>1s</c>, <c>6m0s</c>, <c>20ms</c>, <c>1h2m3.5s</c>),
    /// or a bare number of seconds.
    /// </summary>
    public static bool TryParseDuration(string value, out TimeSpan duration)
    {
        ReadOnlySpan<char> rest = value.AsSpan().Trim();
        duration = TimeSpan.Zero;
        if (rest.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out double bareSeconds))
        {
            duration = NonNegative(TimeSpan.FromSeconds(bareSeconds));
            return double.IsFinite(bareSeconds);
        }

        double totalMilliseconds = 0;
        while (!rest.IsEmpty)
        {
            int numberLength = 0;
            while (numberLength < rest.Length && (char.IsAsciiDigit(rest[numberLength]) || rest[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0
                || !double.TryParse(rest[..numberLength], NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return false;
            }

            rest = rest[numberLength..];
            int unitLength = 0;
            while (unitLength < rest.Length && char.IsAsciiLetter(rest[unitLength]))
            {
                unitLength++;
            }

            double unitMilliseconds = rest[..unitLength] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" => 1_000,
                "ms" => 1,
                "us" or "µs" => 0.001,
                "ns" => 0.000_001,
                _ => double.NaN,
            };

            if (double.IsNaN(unitMilliseconds))
            {
                return false;
            }

            totalMilliseconds += number * unitMilliseconds;
            rest = rest[unitLength..];
        }

        duration = TimeSpan.FromMilliseconds(totalMilliseconds);
        return true;
    }

    private static void Track(HttpHeaders headers, string remainingHeader, TimeSpan reset, ref TimeSpan? longest, ref TimeSpan? exhausted)
    {
        if (longest is null || reset > longest)
        {
            longest = reset;
        }

        // When a specific budget is at zero, its reset is the one that matters.
        if (First(headers, remainingHeader) is "0" && (exhausted is null || reset > exhausted))
        {
            exhausted = reset;
        }
    }

    private static string? First(HttpHeaders headers, string name)
    {
        if (headers.NonValidated.TryGetValues(name, out HeaderStringValues values))
        {
            foreach (string value in values)
            {
                return value;
            }
        }

        return null;
    }

    private static TimeSpan NonNegative(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;
}
