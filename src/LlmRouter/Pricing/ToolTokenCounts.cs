using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The text counts of tool definitions (name, description and JSON schema), kept per tool instance: an application sends the
/// same <see cref="AIFunction"/> objects with every request, so their definitions are counted once rather than per request.
/// </summary>
/// <remarks>
/// <para>
/// A kept count is used only while the tool still gives the same name, description and schema it was counted from, compared by
/// content (equal references answer at once): a tool whose properties change is counted again, so the estimate is always the
/// count of what the tool says now. Kept in a <see cref="ConditionalWeakTable{TKey, TValue}"/>, so an entry lives as long as its
/// tool and no longer. Thread-safe: lookups take no lock; a miss counts outside any lock, and concurrent misses store equal
/// entries. A hit allocates nothing.
/// </para>
/// <para>
/// Only tool definitions are kept, not texts: a message or instruction string is counted every time, since a string reused by
/// reference across requests is the exception rather than the rule.
/// </para>
/// </remarks>
internal sealed class ToolTokenCounts
{
    private readonly ConditionalWeakTable<AITool, Entry> _counts = [];
    private readonly Func<string, string?, ReadOnlySpan<byte>, long> _count;

    /// <param name="count">Counts a tool's name, description and raw UTF-8 JSON schema (empty when it has none), in the estimator's units.</param>
    public ToolTokenCounts(Func<string, string?, ReadOnlySpan<byte>, long> count) => _count = count;

    /// <summary>The count of <paramref name="tool"/>'s definition, counted now or kept from an earlier request.</summary>
    public long Count(AITool tool)
    {
        string name = tool.Name;
        string? description = tool.Description;
        ReadOnlySpan<byte> schema = tool is AIFunctionDeclaration function ? RawSchema(function.JsonSchema) : default;
        if (_counts.TryGetValue(tool, out Entry? entry) && entry.Matches(name, description, schema))
        {
            return entry.Count;
        }

        long count = _count(name, description, schema);
        _counts.AddOrUpdate(tool, new Entry(name, description, schema.ToArray(), count));
        return count;
    }

    private static ReadOnlySpan<byte> RawSchema(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Undefined ? default : JsonMarshal.GetRawUtf8Value(schema);

    /// <summary>What a tool said when it was counted, and its count.</summary>
    private sealed class Entry(string name, string? description, byte[] schema, long count)
    {
        public long Count { get; } = count;

        public bool Matches(string name2, string? description2, ReadOnlySpan<byte> schema2) =>
            string.Equals(name, name2, StringComparison.Ordinal)
            && string.Equals(description, description2, StringComparison.Ordinal)
            && schema2.SequenceEqual(schema);
    }
}
