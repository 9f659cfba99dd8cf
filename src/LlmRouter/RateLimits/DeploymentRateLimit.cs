using System.Globalization;

namespace LlmRouter;

/// <summary>
/// A deployment's requests-per-minute and tokens-per-minute limits (<see cref="DeploymentOptions.RequestsPerMinute"/>,
/// <see cref="DeploymentOptions.TokensPerMinute"/>) and, in this process, their counters. Kept across configuration reloads
/// while the limits stay the same. Thread-safe and lock-free.
/// </summary>
internal sealed class DeploymentRateLimit
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly GcraCell _requests = new();
    private readonly GcraCell _tokens = new();
    private readonly long _window;

    public DeploymentRateLimit(string deployment, long? requestsPerMinute, long? tokensPerMinute, long frequency)
    {
        Deployment = deployment;
        RequestsPerMinute = requestsPerMinute;
        TokensPerMinute = tokensPerMinute;
        _window = Timestamps.FromTimeSpan(Window, frequency);
        RequestsKey = "deployment:" + deployment + ":requests";
        TokensKey = "deployment:" + deployment + ":tokens";
    }

    public string Deployment { get; }

    public long? RequestsPerMinute { get; }

    public long? TokensPerMinute { get; }

    /// <summary>Gets whether the deployment limits tokens, so each call reserves its estimate.</summary>
    public bool CountsTokens => TokensPerMinute is not null;

    /// <summary>Gets the key of the requests counter in a shared store.</summary>
    public string RequestsKey { get; }

    /// <summary>Gets the key of the tokens counter in a shared store.</summary>
    public string TokensKey { get; }

    /// <summary>Creates the limit of a deployment, keeping <paramref name="previous"/> (and what it counted) when the limits did not change; <see langword="null"/> without limits.</summary>
    public static DeploymentRateLimit? Create(string deployment, DeploymentOptions options, DeploymentRateLimit? previous, long frequency)
    {
        if (options.RequestsPerMinute is null && options.TokensPerMinute is null)
        {
            return null;
        }

        return previous is not null && previous.RequestsPerMinute == options.RequestsPerMinute && previous.TokensPerMinute == options.TokensPerMinute
            ? previous
            : new DeploymentRateLimit(deployment, options.RequestsPerMinute, options.TokensPerMinute, frequency);
    }

    /// <summary>Takes one request and <paramref name="tokens"/> tokens in this process, or nothing.</summary>
    /// <param name="tokens">The call's estimated tokens.</param>
    /// <param name="now">The current timestamp.</param>
    /// <param name="wait">When refused, the timestamp ticks until the call would be admitted.</param>
    /// <param name="byTokens">When refused, whether the tokens limit refused (else the requests limit).</param>
    public bool TryTake(long tokens, long now, out long wait, out bool byTokens)
    {
        byTokens = false;
        if (RequestsPerMinute is { } requests && !_requests.TryTake(1, requests, _window, now, out wait))
        {
            return false;
        }

        if (TokensPerMinute is { } limit && !_tokens.TryTake(tokens, limit, _window, now, out wait))
        {
            if (RequestsPerMinute is { } taken)
            {
                _requests.Adjust(-1, taken, _window, now);
            }

            byTokens = true;
            return false;
        }

        wait = 0;
        return true;
    }

    /// <summary>Gives back one request and its <paramref name="tokens"/>, for a call admitted but not made.</summary>
    public void GiveBack(long tokens, long now)
    {
        if (RequestsPerMinute is { } requests)
        {
            _requests.Adjust(-1, requests, _window, now);
        }

        SettleTokens(-tokens, now);
    }

    /// <summary>Settles the tokens a call reserved with what it used: <paramref name="delta"/> is used minus reserved.</summary>
    public void SettleTokens(long delta, long now)
    {
        if (TokensPerMinute is { } limit)
        {
            _tokens.Adjust(delta, limit, _window, now);
        }
    }

    /// <summary>The counters to take one call's request and <paramref name="tokens"/> tokens from in a shared store.</summary>
    public RateLimitCounter[] Counters(long tokens)
    {
        var counters = new RateLimitCounter[(RequestsPerMinute is null ? 0 : 1) + (TokensPerMinute is null ? 0 : 1)];
        int index = 0;
        if (RequestsPerMinute is { } requests)
        {
            counters[index++] = new RateLimitCounter(RequestsKey, requests, Window, 1);
        }

        if (TokensPerMinute is { } limit)
        {
            counters[index] = new RateLimitCounter(TokensKey, limit, Window, tokens);
        }

        return counters;
    }

    /// <summary>The counter to settle a call's tokens by <paramref name="delta"/> in a shared store.</summary>
    public RateLimitCounter TokensCounter(long delta) => new(TokensKey, TokensPerMinute ?? 1, Window, delta);

    /// <summary>The counter to give back one request in a shared store.</summary>
    public RateLimitCounter RequestsCounter(long delta) => new(RequestsKey, RequestsPerMinute ?? 1, Window, delta);

    /// <summary>Why the deployment was set aside, for the final error.</summary>
    public string Describe(bool byTokens, TimeSpan wait) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Deployment} (at its limit of {(byTokens ? TokensPerMinute : RequestsPerMinute)} {(byTokens ? "tokens" : "requests")} per minute; " +
            $"admits again in {CandidateCursor.Format(wait)})");
}
