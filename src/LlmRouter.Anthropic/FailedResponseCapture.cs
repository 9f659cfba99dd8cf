namespace LlmRouter;

/// <summary>
/// Reads the wait a failed response asks for (<c>Retry-After</c>, <c>retry-after-ms</c>, Anthropic's rate-limit resets) as the
/// SDK receives it, for the call that <see cref="AnthropicRouterChatClient"/> is making: the SDK's exceptions keep no headers.
/// </summary>
/// <remarks>
/// A handler in the SDK client's own chain (<c>ClientOptions.Handlers</c>). The chat client opens a scope per call; the SDK sends
/// the request within that call's execution context, so the handler finds the scope and records into it. Requests sent outside a
/// scope (other uses of the same SDK client) pass through untouched.
/// </remarks>
internal sealed class FailedResponseCapture : DelegatingHandler
{
    private static readonly AsyncLocal<Scope?> s_current = new();

    /// <summary>Starts recording for the call running in the current execution context.</summary>
    public static Scope Begin()
    {
        var scope = new Scope();
        s_current.Value = scope;
        return scope;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && s_current.Value is { } scope)
        {
            // Dates and reset timestamps are measured against the response's own Date, the clock that wrote them.
            DateTimeOffset now = response.Headers.Date ?? TimeProvider.System.GetUtcNow();
            scope.RetryAfter = RetryAfterHeaders.Parse(response.Headers, now, includeRateLimitResets: (int)response.StatusCode == 429);
        }

        return response;
    }

    /// <summary>What the last failed response of one call asked for.</summary>
    internal sealed class Scope
    {
        public TimeSpan? RetryAfter { get; set; }
    }
}
