using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// The <c>service_tier</c> a request asks for and a response says served it: a provider's processing tier (OpenAI's flex and
/// priority, Gemini's flex and priority, Groq's flex), which <see cref="ModelPrice.ServiceTiers"/> may price differently.
/// </summary>
/// <remarks>
/// The request's tier is the caller's own <c>service_tier</c> additional property, which every wire format sends to the provider
/// as it is (the router does not add or change it). The served tier is what the OpenAI-format client reads from the response's
/// <c>service_tier</c> and puts on <see cref="ChatResponse.AdditionalProperties"/> (a stream: on the update that carries the usage).
/// </remarks>
internal static class ServiceTierProperty
{
    /// <summary>The name of the request option and of the response property: <c>service_tier</c>, as OpenAI's wire format has it.</summary>
    public const string Name = "service_tier";

    /// <summary>The tier a request asks for: its <c>service_tier</c> additional property, a string or a JSON string; else <see langword="null"/>.</summary>
    public static string? Requested(ChatOptions? options) => Read(options?.AdditionalProperties);

    /// <summary>The tier a response or update says served it, from its additional properties; else <see langword="null"/>.</summary>
    public static string? Read(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || !properties.TryGetValue(Name, out object? value))
        {
            return null;
        }

        return value switch
        {
            string text when text.Length > 0 => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => null,
        };
    }

    /// <summary>
    /// The price a call is billed at: <paramref name="price"/> (already the one in force) at the tier its response says served it,
    /// else at the tier its request asked for, else as it is. Reads nothing when the price has no service tiers.
    /// </summary>
    public static ModelPrice Billed(ModelPrice price, string? served, ChatOptions? options) =>
        price.ServiceTiers.Count == 0 ? price : price.ForServiceTier(served ?? Requested(options));

    /// <summary>The price a request is estimated at: <paramref name="price"/> (already the one in force) at the tier it asks for.</summary>
    public static ModelPrice Estimated(ModelPrice price, ChatOptions? options) =>
        price.ServiceTiers.Count == 0 ? price : price.ForServiceTier(Requested(options));
}
