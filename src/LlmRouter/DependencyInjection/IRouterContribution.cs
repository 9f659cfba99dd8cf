namespace LlmRouter;

/// <summary>
/// Something a companion package registers in the container to add to the default (not keyed) router each time it is built,
/// at start and on every reload of a router read from configuration: the gateway adds the budgets and rate limits its
/// virtual keys carry. Runs before the application's own <c>configure</c> callback.
/// </summary>
internal interface IRouterContribution
{
    /// <summary>Adds to <paramref name="builder"/>; an exception fails the build (at start) or rejects the reload (the last good router stays).</summary>
    void Contribute(LlmRouterBuilder builder);
}
