namespace LlmRouter;

/// <summary>Which timeout ended an attempt.</summary>
internal enum TimeoutKind
{
    None = 0,
    Total = 1,
    Attempt = 2,
    FirstChunk = 3,
    BetweenChunks = 4,
}
