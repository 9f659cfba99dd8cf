namespace LlmRouter;

/// <summary>
/// The shared state's server (Redis) did not answer in time or is unreachable, and the router is set to fail closed
/// (<see cref="SharedStateUnavailableBehavior.FailClosed"/>): the request was refused before anything was sent to a provider.
/// </summary>
/// <remarks>The message names the server's endpoints and what failed, never the connection string's password.</remarks>
public sealed class SharedStateUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be done and why.</param>
    /// <param name="innerException">The Redis client's exception, or <see langword="null"/> for a timeout.</param>
    public SharedStateUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
