namespace LlmRouter;

/// <summary>What a request does when every one of its candidate deployments has an open circuit.</summary>
public enum AllCircuitsOpenBehavior
{
    /// <summary>Fail at once with an <see cref="LlmRouterException"/> that says which circuits are open and until when.</summary>
    FailFast = 0,

    /// <summary>Call the deployment whose circuit opened earliest anyway: it is the likeliest to have recovered.</summary>
    TryEarliestOpened = 1,
}
