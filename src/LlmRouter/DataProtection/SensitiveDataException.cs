namespace LlmRouter;

/// <summary>
/// Thrown when a request whose route (or own <see cref="LlmRouterRequestProperties.DataProtection"/>) blocks sensitive data
/// holds some (<see cref="DataProtectionAction.Block"/>); no deployment was called. The message names the kinds and the
/// indexes of the messages that hold them, never the values.
/// </summary>
public sealed class SensitiveDataException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SensitiveDataException"/> class.</summary>
    public SensitiveDataException()
        : this("The request holds sensitive data.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SensitiveDataException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public SensitiveDataException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SensitiveDataException"/> class with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SensitiveDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal SensitiveDataException(string route, IReadOnlyList<SensitiveDataFinding> findings)
        : base(Describe(route, findings)) => Findings = findings;

    /// <summary>Gets where sensitive data was found: kind, message, part and span (never the values).</summary>
    public IReadOnlyList<SensitiveDataFinding> Findings { get; } = [];

    /// <summary>Gets the kinds found, each once, in the order first found.</summary>
    public IReadOnlyList<string> Kinds => [.. Findings.Select(f => f.Kind).Distinct(StringComparer.Ordinal)];

    /// <summary>Gets the indexes of the messages holding sensitive data, each once, in ascending order.</summary>
    public IReadOnlyList<int> MessageIndexes => [.. Findings.Select(f => f.MessageIndex).Distinct().Order()];

    private static string Describe(string route, IReadOnlyList<SensitiveDataFinding> findings)
    {
        IEnumerable<string> kinds = findings.GroupBy(f => f.Kind, StringComparer.Ordinal)
            .Select(g => $"{g.Key} in message {string.Join(", ", g.Select(f => f.MessageIndex).Distinct().Order())}");
        return $"Route '{route}' blocks sensitive data, and the request holds some: {string.Join("; ", kinds)}. No deployment was called.";
    }
}
