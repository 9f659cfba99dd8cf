namespace LlmRouter;

/// <summary>Who may be served an entry of the response cache (<see cref="ResponseCacheOptions.Scope"/>).</summary>
public enum ResponseCacheScope
{
    /// <summary>Only requests with the same caller key as the request that stored it: no answer crosses from one caller to another.</summary>
    Caller,

    /// <summary>Every request of the route, whatever its caller key.</summary>
    Shared,
}
