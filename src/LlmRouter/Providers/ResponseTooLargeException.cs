namespace LlmRouter;

/// <summary>
/// Thrown by the response readers when a body or a server-sent event goes past <see cref="ProviderOptions.MaxResponseBytes"/>;
/// <see cref="ProviderConnection.Translate"/> turns it into a <see cref="ProviderException"/> that names the limit.
/// </summary>
internal sealed class ResponseTooLargeException(string what, long limit)
    : Exception($"{what} is larger than {limit} bytes (ProviderOptions.MaxResponseBytes).")
{
    /// <summary>Gets what went past the limit: "the response body", "a server-sent event".</summary>
    public string What { get; } = what;

    /// <summary>Gets the limit, in bytes.</summary>
    public long Limit { get; } = limit;
}
