namespace LlmRouter;

/// <summary>
/// Keys the router sets in <c>ChatResponse.AdditionalProperties</c> (and on the final streamed update) to say who served a request.
/// </summary>
public static class LlmRouterProperties
{
    /// <summary>The route whose deployment served the request (a fallback route when the requested one failed). A <see cref="string"/>.</summary>
    public const string Route = "llmrouter.route";

    /// <summary>The name of the deployment that served the request. A <see cref="string"/>.</summary>
    public const string Deployment = "llmrouter.deployment";

    /// <summary>The provider of the deployment that served the request. A <see cref="string"/>.</summary>
    public const string Provider = "llmrouter.provider";

    /// <summary>How many calls were made for the request, retries and the successful one included. An <see cref="int"/>.</summary>
    public const string Attempts = "llmrouter.attempts";

    /// <summary>
    /// Why earlier attempts failed, present only when the request was retried or fell back: one
    /// <c>deployment: kind, HTTP status</c> entry per failed attempt, separated by <c>"; "</c>. A <see cref="string"/>.
    /// </summary>
    public const string FallbackReasons = "llmrouter.fallback_reasons";
}
