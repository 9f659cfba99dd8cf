namespace LlmRouter;

/// <summary>
/// The router's configuration is invalid. Thrown when the router is built, with every problem found,
/// each naming the deployment, route or setting at fault and what would be valid.
/// </summary>
public sealed class LlmRouterConfigurationException : InvalidOperationException
{
    /// <summary>Creates an exception listing <paramref name="errors"/>.</summary>
    /// <param name="errors">One message per problem; at least one.</param>
    public LlmRouterConfigurationException(IReadOnlyList<string> errors)
        : base("The LlmRouter configuration is invalid:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", errors))
    {
        Errors = errors;
    }

    /// <summary>Gets one message per problem found.</summary>
    public IReadOnlyList<string> Errors { get; }
}
