namespace LlmRouter;

/// <summary>Where sensitive data was found in a request: its kind, the message and part, and the span; never the value.</summary>
/// <param name="Kind">The kind (<see cref="SensitiveDataKinds"/>, or a custom kind).</param>
/// <param name="MessageIndex">The index of the message in the request.</param>
/// <param name="ContentIndex">The index of the part in the message's <c>Contents</c>.</param>
/// <param name="Start">Where the value starts in the part's text (a tool call's argument, or a tool result, as text).</param>
/// <param name="Length">The value's length in characters.</param>
public readonly record struct SensitiveDataFinding(string Kind, int MessageIndex, int ContentIndex, int Start, int Length);
