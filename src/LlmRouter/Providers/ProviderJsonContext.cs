using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Source-generated JSON metadata shared by the provider clients.</summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
internal sealed partial class ProviderJsonContext : JsonSerializerContext
{
    /// <summary>Parses a function call's JSON arguments; values stay <see cref="JsonElement"/>s.</summary>
    public static IDictionary<string, object?>? ParseArguments(string json) =>
        string.IsNullOrWhiteSpace(json) ? new Dictionary<string, object?>() : JsonSerializer.Deserialize(json, Default.DictionaryStringObject);

    /// <summary>Parses a function call's arguments given as a JSON object element.</summary>
    public static IDictionary<string, object?>? ParseArguments(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? element.Deserialize(Default.DictionaryStringObject) : new Dictionary<string, object?>();

    /// <summary>Creates a function call from JSON text arguments; malformed arguments are reported on the call, not thrown.</summary>
    public static FunctionCallContent CreateCall(string callId, string name, string? arguments) =>
        FunctionCallContent.CreateFromParsedArguments(arguments ?? string.Empty, callId, name, static json => ParseArguments(json));
}
