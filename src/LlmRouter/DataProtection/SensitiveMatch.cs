namespace LlmRouter;

/// <summary>One occurrence of sensitive data in a text: its kind and span.</summary>
internal readonly record struct SensitiveMatch(string Kind, int Start, int Length)
{
    public int End => Start + Length;
}
