using System.Globalization;
using System.Text;

namespace LlmRouter;

/// <summary>
/// The router could not serve a request: every candidate deployment failed, or one failed in a way that
/// made trying others pointless (a bad request, a content filter). <see cref="Attempts"/> lists every call made.
/// </summary>
/// <remarks>
/// <see cref="Exception.InnerException"/> is the exception of the last attempt. A caller's cancellation is never
/// wrapped in this type: it surfaces as <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class LlmRouterException : Exception
{
    /// <summary>Creates an exception for a request to <paramref name="route"/> that failed after <paramref name="attempts"/>.</summary>
    /// <param name="route">The route the caller asked for.</param>
    /// <param name="attempts">Every failed attempt, in order.</param>
    /// <param name="message">The summary line; the attempts are appended to it, one per line.</param>
    public LlmRouterException(string route, IReadOnlyList<RouterAttempt> attempts, string message)
        : base(Describe(message, attempts), attempts.Count > 0 ? attempts[^1].Exception : null)
    {
        Route = route;
        Attempts = attempts;
    }

    /// <summary>Gets the route the caller asked for.</summary>
    public string Route { get; }

    /// <summary>Gets every failed attempt of the request, in the order they were made.</summary>
    public IReadOnlyList<RouterAttempt> Attempts { get; }

    private static string Describe(string message, IReadOnlyList<RouterAttempt> attempts)
    {
        var text = new StringBuilder(message);
        foreach (RouterAttempt attempt in attempts)
        {
            text.AppendLine().Append("  ").Append(attempt.Number.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(attempt);
        }

        return text.ToString();
    }
}
