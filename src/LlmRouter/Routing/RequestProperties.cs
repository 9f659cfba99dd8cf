using System.Collections;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The router's own <c>llmrouter.*</c> keys of a request's <c>ChatOptions.AdditionalProperties</c>
/// (<see cref="LlmRouterRequestProperties"/>), read in one pass when the request begins.
/// </summary>
internal struct RequestProperties
{
    public string[] Deployments;
    public string[] RequiredTags;
    public string[] ExcludedTags;
    public string[] AllowedProviders;
    public string[] DeniedProviders;
    public string[] AllowedRegions;
    public DataProtectionOutcome? DataProtection;
    public PriceLimit? MaxPrice;
    public string? Tier;
    public string? Variant;
    public string? Stage;

    /// <summary>The properties of a request that sets none of the router's keys.</summary>
    public static readonly RequestProperties None = new() { Deployments = [], RequiredTags = [], ExcludedTags = [], AllowedProviders = [], DeniedProviders = [], AllowedRegions = [] };

    /// <summary>Gets whether the request names its deployment, sets any tag, provider, region or price filter, or must stay on trusted deployments.</summary>
    public readonly bool Filters =>
        Deployments.Length + RequiredTags.Length + ExcludedTags.Length + AllowedProviders.Length + DeniedProviders.Length + AllowedRegions.Length > 0 || MaxPrice is not null
        || DataProtection is { TrustedOnly: true };

    /// <summary>
    /// The options a deployment receives: the caller's, with ModelId replaced by the deployment's model and the router's own
    /// <c>llmrouter.*</c> request properties removed. The caller's object is never modified: a copy is made when anything changes.
    /// A deployment whose provider takes a <c>prompt_cache_key</c> (<see cref="Deployment.PromptCacheKey"/>) gets one derived from
    /// the caller key (<see cref="LlmRouterRequestProperties.Caller"/>), unless the request sets its own.
    /// </summary>
    public static ChatOptions? Forward(ChatOptions? options, Deployment deployment)
    {
        if (options is null)
        {
            return deployment.Model is null ? null : new ChatOptions { ModelId = deployment.Model };
        }

        bool hasRouterProperties = HasRouterProperties(options.AdditionalProperties);
        if (!hasRouterProperties && string.Equals(options.ModelId, deployment.Model, StringComparison.Ordinal))
        {
            return options;
        }

        if (!hasRouterProperties && OnlyModelId(options))
        {
            // The common request (a route's name and nothing else): a fresh object with the deployment's model is the copy.
            return new ChatOptions { ModelId = deployment.Model };
        }

        ChatOptions forwarded = options.Clone();
        forwarded.ModelId = deployment.Model;
        if (hasRouterProperties)
        {
            forwarded.AdditionalProperties = WithoutRouterProperties(options.AdditionalProperties!, forwarded.AdditionalProperties, deployment.Trusted);
            if (deployment.PromptCacheKey
                && !forwarded.AdditionalProperties.ContainsKey(PromptCacheKeys.Property)
                && Text(options.AdditionalProperties, LlmRouterRequestProperties.Caller) is { } caller)
            {
                forwarded.AdditionalProperties[PromptCacheKeys.Property] = PromptCacheKeys.For(caller);
            }
        }

        return forwarded;
    }

    /// <summary>Reads the router's keys; every list is empty when the request sets none.</summary>
    /// <exception cref="ArgumentException">A list is neither a string nor a list of strings, or a price limit is not one.</exception>
    public static RequestProperties Read(AdditionalPropertiesDictionary? properties)
    {
        var read = new RequestProperties { Deployments = [], RequiredTags = [], ExcludedTags = [], AllowedProviders = [], DeniedProviders = [], AllowedRegions = [] };
        if (properties is null)
        {
            return read;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            string key = property.Key;
            if (!key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (Is(key, LlmRouterRequestProperties.Deployment))
            {
                read.Deployments = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.RequiredTags))
            {
                read.RequiredTags = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.ExcludedTags))
            {
                read.ExcludedTags = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.AllowedProviders))
            {
                read.AllowedProviders = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.DeniedProviders))
            {
                read.DeniedProviders = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.AllowedRegions))
            {
                read.AllowedRegions = List(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.DataProtection))
            {
                // The router puts what data protection found here; any other value was never inspected.
                read.DataProtection = property.Value as DataProtectionOutcome ?? throw DataProtectionOutcome.NotConfigured(key);
            }
            else if (Is(key, LlmRouterRequestProperties.MaxPrice))
            {
                read.MaxPrice = Limit(key, property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.Tier))
            {
                read.Tier = Text(property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.Variant))
            {
                read.Variant = Text(property.Value);
            }
            else if (Is(key, LlmRouterRequestProperties.Stage))
            {
                read.Stage = Text(property.Value);
            }
        }

        return read;
    }

    /// <summary>Reads a request property as text (a caller key): a string, a JSON string, or a number or id by its invariant text.</summary>
    public static string? Text(AdditionalPropertiesDictionary? properties, string key) =>
        properties is not null && properties.TryGetValue(key, out object? value) ? Text(value) : null;

    private static string? Text(object? value)
    {
        string? text = value switch
        {
            null => null,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            JsonElement element => element.GetRawText(),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    private static bool Is(string key, string name) => string.Equals(key, name, StringComparison.OrdinalIgnoreCase);

    private static string[] List(string key, object? value)
    {
        var items = new List<string>();
        switch (value)
        {
            case null:
                break;
            case string text:
                Split(text, items);
                break;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                Split(element.GetString() ?? string.Empty, items);
                break;
            case JsonElement { ValueKind: JsonValueKind.Array } element:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid(key, value);
                    }

                    Split(item.GetString() ?? string.Empty, items);
                }

                break;
            case IEnumerable sequence:
                foreach (object? item in sequence)
                {
                    if (item is not string text)
                    {
                        throw Invalid(key, value);
                    }

                    Split(text, items);
                }

                break;
            default:
                throw Invalid(key, value);
        }

        return [.. items];
    }

    /// <summary>Reads a price limit: a <see cref="PriceLimit"/>, or a JSON object with <c>Input</c> and/or <c>Output</c> numbers.</summary>
    private static PriceLimit? Limit(string key, object? value)
    {
        PriceLimit? limit = value switch
        {
            null => null,
            PriceLimit given => given,
            JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            JsonElement { ValueKind: JsonValueKind.Object } element => new PriceLimit { Input = Price(key, element, "Input"), Output = Price(key, element, "Output") },
            _ => throw InvalidLimit(key, $"it is a {value.GetType().Name}"),
        };

        if (limit is { Input: < 0 } or { Output: < 0 })
        {
            throw InvalidLimit(key, $"it is {limit.Input?.ToString(CultureInfo.InvariantCulture) ?? "any"} in, {limit.Output?.ToString(CultureInfo.InvariantCulture) ?? "any"} out");
        }

        return limit is { Input: null, Output: null } ? null : limit;
    }

    private static decimal? Price(string key, JsonElement limit, string name)
    {
        foreach (JsonProperty property in limit.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.Number when property.Value.TryGetDecimal(out decimal price) => price,
                    _ => throw InvalidLimit(key, $"its {name} is {property.Value.GetRawText()}"),
                };
            }
        }

        return null;
    }

    private static ArgumentException InvalidLimit(string key, string actual) => new(
        $"ChatOptions.AdditionalProperties['{key}'] must be a PriceLimit (or a JSON object with Input and/or Output) in USD per million tokens, at least 0; {actual}.",
        "options");

    private static void Split(string text, List<string> into)
    {
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            into.Add(part);
        }
    }

    private static ArgumentException Invalid(string key, object value) => new(
        $"ChatOptions.AdditionalProperties['{key}'] must be a string (one value or several separated by commas) or a list of strings; it is a {value.GetType().Name}.",
        "options");

    /// <summary>
    /// Whether <paramref name="options"/> is a plain <see cref="ChatOptions"/> that sets nothing but its model, so a copy is
    /// <c>new ChatOptions { ModelId = … }</c>, without <see cref="ChatOptions.Clone"/> copying twenty empty properties.
    /// </summary>
    /// <remarks>Every public property of <see cref="ChatOptions"/> is checked; a test fails when the type gains one this does not know.</remarks>
    internal static bool OnlyModelId(ChatOptions options) =>
        options.GetType() == typeof(ChatOptions)
        && options.AdditionalProperties is null
        && options.Tools is null
        && options.StopSequences is null
        && options.Instructions is null
        && options.ConversationId is null
        && options.ResponseFormat is null
        && options.ToolMode is null
        && options.Reasoning is null
        && options.ContinuationToken is null
        && options.RawRepresentationFactory is null
        && options.Temperature is null
        && options.MaxOutputTokens is null
        && options.TopP is null
        && options.TopK is null
        && options.FrequencyPenalty is null
        && options.PresencePenalty is null
        && options.Seed is null
        && options.AllowMultipleToolCalls is null
        && options.AllowBackgroundResponses is null;

    private static bool HasRouterProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The caller's properties without the router's own: removed from the copy's dictionary when the copy has its own
    /// (<see cref="ChatOptions.Clone"/> copies it), else gathered into a new one; the caller's dictionary is never changed.
    /// </summary>
    private static AdditionalPropertiesDictionary WithoutRouterProperties(AdditionalPropertiesDictionary properties, AdditionalPropertiesDictionary? copied, bool trusted)
    {
        if (copied is null || ReferenceEquals(copied, properties))
        {
            // A ChatOptions type whose Clone shares the dictionary: filtering it in place would change the caller's.
            copied = null;
        }

        AdditionalPropertiesDictionary filtered = copied ?? new AdditionalPropertiesDictionary();
        foreach (KeyValuePair<string, object?> property in properties)
        {
            // The router's keys go, except what data protection left for the redaction step (the outermost of an untrusted
            // deployment's pipeline, which removes it).
            bool kept = !property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase)
                || (!trusted && property.Value is DataProtectionOutcome { Redaction: not null });
            if (copied is null && kept)
            {
                filtered[property.Key] = property.Value;
            }
            else if (copied is not null && !kept)
            {
                filtered.Remove(property.Key);
            }
        }

        return filtered;
    }
}
