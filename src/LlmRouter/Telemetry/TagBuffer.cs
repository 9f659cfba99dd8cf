using System.Runtime.CompilerServices;

namespace LlmRouter;

/// <summary>Room for a measurement's tags on the stack, so recording with more than eight tags does not allocate.</summary>
[InlineArray(Length)]
internal struct TagBuffer
{
    public const int Length = 12;

    private KeyValuePair<string, object?> _first;
}
