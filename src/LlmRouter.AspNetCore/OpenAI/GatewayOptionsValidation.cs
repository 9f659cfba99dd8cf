using System.Globalization;
using Microsoft.Extensions.Options;

namespace LlmRouter;

/// <summary>Checks <see cref="LlmRouterGatewayOptions"/>: every problem in one message, naming the key and what would be valid.</summary>
internal sealed class GatewayOptionsValidation : IValidateOptions<LlmRouterGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRouterGatewayOptions options)
    {
        List<string> errors = Errors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static void ThrowIfInvalid(LlmRouterGatewayOptions options)
    {
        List<string> errors = Errors(options);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(LlmRouterGatewayOptions), typeof(LlmRouterGatewayOptions), errors);
        }
    }

    public static List<string> Errors(LlmRouterGatewayOptions options)
    {
        var errors = new List<string>();
        if (options.MaxRequestBodySize < 1024)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"LlmRouter:Gateway:MaxRequestBodySize is {options.MaxRequestBodySize}; it must be at least 1024 bytes."));
        }

        foreach (KeyValuePair<string, GatewayKeyOptions> pair in options.Keys)
        {
            string path = "LlmRouter:Gateway:Keys:" + pair.Key;
            if (pair.Value is null)
            {
                errors.Add($"{path} is empty; it needs a Hash.");
                continue;
            }

            if (!IsHash(pair.Value.Hash))
            {
                errors.Add($"{path}:Hash must be 'sha256:' followed by the 64 lower-case hex digits of the key's SHA-256 (the key itself is never configured).");
            }

            if (pair.Value.Budget is { } budget && budget.LimitUsd <= 0)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:Budget:LimitUsd is {budget.LimitUsd}; it must be more than 0 US dollars."));
            }

            if (pair.Value.RateLimit is { } limit)
            {
                if (limit.RequestsPerMinute is null && limit.RequestsPerHour is null && limit.TokensPerMinute is null && limit.TokensPerHour is null)
                {
                    errors.Add($"{path}:RateLimit sets no limit; set RequestsPerMinute, RequestsPerHour, TokensPerMinute and/or TokensPerHour.");
                }

                foreach ((string name, long? value) in (ReadOnlySpan<(string, long?)>)[("RequestsPerMinute", limit.RequestsPerMinute), ("RequestsPerHour", limit.RequestsPerHour), ("TokensPerMinute", limit.TokensPerMinute), ("TokensPerHour", limit.TokensPerHour)])
                {
                    if (value is < 1)
                    {
                        errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:RateLimit:{name} is {value}; it must be at least 1."));
                    }
                }
            }

            if (pair.Value.Routes is { } routes)
            {
                foreach (string route in routes)
                {
                    if (string.IsNullOrWhiteSpace(route))
                    {
                        errors.Add($"{path}:Routes holds an empty route name.");
                    }
                }
            }
        }

        return errors;
    }

    private static bool IsHash(string? hash)
    {
        if (hash is null || hash.Length != GatewayKeyOptions.HashPrefix.Length + 64 || !hash.StartsWith(GatewayKeyOptions.HashPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in hash.AsSpan(GatewayKeyOptions.HashPrefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
