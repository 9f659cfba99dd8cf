namespace LlmRouter;

/// <summary>
/// Finds one kind of sensitive data the built-in detectors do not know (a name recognizer, an internal id format), added with
/// <see cref="LlmRouterBuilder.AddSensitiveDataDetector"/>. Its <see cref="Kind"/> is what <see cref="DataProtectionOptions.Kinds"/>,
/// findings and reports name.
/// </summary>
/// <remarks>Called concurrently for different requests: implementations must be thread-safe. Never log what is found.</remarks>
public interface ISensitiveDataDetector
{
    /// <summary>Gets the kind of data found, for example <c>PersonName</c>; its placeholder is <c>[PERSONNAME_n]</c>.</summary>
    string Kind { get; }

    /// <summary>Adds the range of each occurrence in <paramref name="text"/> to <paramref name="found"/>.</summary>
    /// <param name="text">A text part, a tool call's argument or a tool result.</param>
    /// <param name="found">Where to add the occurrences; ranges that overlap others are merged away by the router, the earliest and longest kept.</param>
    void Detect(ReadOnlySpan<char> text, ICollection<Range> found);
}
