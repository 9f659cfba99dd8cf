using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>What a request asks of the response cache (<see cref="LlmRouterRequestProperties.Cache"/>).</summary>
internal readonly record struct CacheDirective(bool Read, bool Store, TimeSpan? Ttl)
{
    public static readonly CacheDirective Default = new(Read: true, Store: true, Ttl: null);

    /// <summary>Reads the directive of a request; absent is <see cref="Default"/>.</summary>
    /// <exception cref="ArgumentException">The value is none of the valid ones.</exception>
    public static CacheDirective Of(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(LlmRouterRequestProperties.Cache, out object? value) || value is null)
        {
            return Default;
        }

        switch (value)
        {
            case TimeSpan ttl:
                return WithTtl(ttl, value);
            case JsonElement { ValueKind: JsonValueKind.String } element:
                return Parse(element.GetString()!, value);
            case string text:
                return Parse(text, value);
            default:
                throw Invalid(value);
        }
    }

    private static CacheDirective Parse(string text, object value)
    {
        string trimmed = text.Trim();
        if (string.Equals(trimmed, ResponseCacheConstants.NoStore, StringComparison.OrdinalIgnoreCase))
        {
            return new CacheDirective(Read: false, Store: false, Ttl: null);
        }

        if (string.Equals(trimmed, ResponseCacheConstants.NoCache, StringComparison.OrdinalIgnoreCase))
        {
            return new CacheDirective(Read: false, Store: true, Ttl: null);
        }

        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out TimeSpan ttl) ? WithTtl(ttl, value) : throw Invalid(value);
    }

    private static CacheDirective WithTtl(TimeSpan ttl, object value) =>
        ttl > TimeSpan.Zero && ttl <= ResponseCacheConstants.MaxTtl ? new CacheDirective(Read: true, Store: true, Ttl: ttl) : throw Invalid(value);

    private static ArgumentException Invalid(object value) => new(
        $"The request property {LlmRouterRequestProperties.Cache} is '{value}'. Valid values: {ResponseCacheConstants.NoStore}, " +
        $"{ResponseCacheConstants.NoCache}, or how long to keep the answer as a TimeSpan or its text (00:05:00), more than zero and at most 365 days.",
        "options");
}
