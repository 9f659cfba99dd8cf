namespace LlmRouter;

/// <summary>
/// Classifies exceptions the built-in rules do not know, such as the exception types of a provider SDK.
/// </summary>
/// <remarks>
/// Classifiers added with <see cref="LlmRouterBuilder.AddErrorClassifier(IProviderErrorClassifier)"/> are asked
/// first, in the order added; the first non-null answer wins, and the built-in rules classify the rest.
/// A caller's cancellation is recognised before any classifier runs. Implementations must be thread-safe.
/// </remarks>
public interface IProviderErrorClassifier
{
    /// <summary>Classifies <paramref name="exception"/>, or returns <see langword="null"/> to leave it to the next classifier.</summary>
    /// <param name="exception">The exception a deployment's client threw.</param>
    /// <returns>The classification, or <see langword="null"/> when this classifier does not recognise the exception.</returns>
    ProviderError? Classify(Exception exception);
}
