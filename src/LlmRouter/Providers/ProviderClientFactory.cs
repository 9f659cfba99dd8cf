using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Creates the built-in provider clients: an <see cref="IChatClient"/> for a <see cref="ProviderOptions"/> (OpenAI chat completions,
/// Anthropic Messages or Gemini generateContent over <see cref="HttpClient"/>), ready to be added to a router as a deployment.
/// </summary>
/// <example>
/// <code>
/// IChatClient deepseek = ProviderClientFactory.CreateChatClient(new ProviderOptions { Type = ProviderTypes.DeepSeek }, "deepseek-chat");
/// IChatClient router = new LlmRouterBuilder().AddDeployment("ds", deepseek).Build();
/// </code>
/// </example>
/// <remarks>
/// The clients are thread-safe, never retry (the router does), and throw <see cref="ProviderException"/> for every provider
/// failure, already classified. Their <see cref="ChatClientMetadata"/> (from <c>GetService</c>) reports the provider name,
/// endpoint and default model. Methods of this class are thread-safe.
/// </remarks>
public static class ProviderClientFactory
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    // Connections are recycled so DNS changes (failovers at the provider) are picked up.
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>Creates a chat client for <paramref name="options"/>.</summary>
    /// <param name="options">The provider's type, endpoint, credentials and HTTP settings.</param>
    /// <param name="modelId">
    /// The model used when a request does not set <c>ChatOptions.ModelId</c> (for Azure OpenAI, the deployment name); optional.
    /// Without it, every request must set a model.
    /// </param>
    /// <param name="httpClient">
    /// The HTTP client to send requests with; optional. The caller keeps ownership: disposing the chat client does not dispose it,
    /// and its <see cref="HttpClient.Timeout"/> applies instead of <see cref="ProviderOptions.Timeout"/>. Without it, the chat client
    /// creates its own (a <see cref="SocketsHttpHandler"/> whose pooled connections are recycled every 2 minutes) and disposes it when disposed.
    /// </param>
    /// <returns>A chat client the caller owns and disposes (a router disposes the clients of its deployments).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="LlmRouterConfigurationException">
    /// The options are invalid: an unknown type (the message lists the valid ones), a missing, relative or non-HTTP endpoint, a missing
    /// API key (the message names the environment variable that would supply it), a key or header with a control character inside
    /// (CR, LF, …) or an invalid header name, a non-positive timeout, output limit or <see cref="ProviderOptions.MaxResponseBytes"/>.
    /// Messages never include the key or a header's value.
    /// </exception>
    public static IChatClient CreateChatClient(ProviderOptions options, string? modelId = null, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options, modelId, httpClient, factory: null, clientName: null, TimeProvider.System, Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// Creates a chat client for <paramref name="options"/> whose HTTP clients come from <paramref name="httpClientFactory"/>,
    /// one per request, so handler lifetimes, logging and resilience handlers configured with <c>AddHttpClient</c> apply.
    /// </summary>
    /// <param name="options">The provider's type, endpoint, credentials and HTTP settings (<see cref="ProviderOptions.Timeout"/> is ignored: the named client's timeout applies).</param>
    /// <param name="modelId">The model used when a request does not set <c>ChatOptions.ModelId</c>; optional.</param>
    /// <param name="httpClientFactory">The factory, typically resolved from dependency injection; it is not disposed by the chat client.</param>
    /// <param name="httpClientName">The name of the HTTP client to create; <see langword="null"/> for the factory's default client.</param>
    /// <returns>A chat client the caller owns and disposes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="httpClientFactory"/> is <see langword="null"/>.</exception>
    /// <exception cref="LlmRouterConfigurationException">The options are invalid; see <see cref="CreateChatClient(ProviderOptions, string?, HttpClient?)"/>.</exception>
    /// <remarks>Do not add retry handlers to the named client when it serves a router deployment: the router retries, and retries inside it multiply.</remarks>
    public static IChatClient CreateChatClient(ProviderOptions options, string? modelId, IHttpClientFactory httpClientFactory, string? httpClientName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        return Create(options, modelId, httpClient: null, httpClientFactory, httpClientName, TimeProvider.System, Environment.GetEnvironmentVariable);
    }

    /// <summary>The default of <see cref="ProviderOptions.MaxResponseBytes"/>: 32 MiB.</summary>
    internal const int DefaultMaxResponseBytes = 32 * 1024 * 1024;

    /// <summary>Checks <paramref name="options"/> and returns one message per problem, empty when they are valid; never echoes a secret.</summary>
    internal static List<string> Validate(ProviderOptions options, Func<string, string?> environment)
    {
        var errors = new List<string>();
        ProviderPreset? preset = ProviderPresets.Find(options.Type);
        if (preset is null)
        {
            errors.Add(string.IsNullOrWhiteSpace(options.Type)
                ? $"Type is required. Valid types: {ProviderPresets.KnownTypes}."
                : $"Type '{options.Type}' is not a known provider type. Valid types: {ProviderPresets.KnownTypes}.");
            return errors;
        }

        if (options.Endpoint is null)
        {
            if (preset.DefaultEndpoint is null)
            {
                errors.Add($"Endpoint is required for type '{preset.Type}'" + (preset.Type == ProviderTypes.AzureOpenAI
                    ? " (the resource URL, such as https://NAME.openai.azure.com)."
                    : " (the base URL including the version segment, such as http://localhost:11434/v1)."));
            }
        }
        else if (!options.Endpoint.IsAbsoluteUri)
        {
            errors.Add($"Endpoint '{EndpointText.Describe(options.Endpoint)}' is relative: it must be an absolute http or https URL, scheme and host included (such as https://api.example.com/v1).");
        }
        else if (options.Endpoint.Scheme != Uri.UriSchemeHttps && options.Endpoint.Scheme != Uri.UriSchemeHttp)
        {
            errors.Add($"Endpoint '{EndpointText.Describe(options.Endpoint)}' must be an absolute http or https URL (such as https://api.example.com/v1).");
        }

        string? key = ResolveKey(options, preset, environment);
        if (preset.RequiresKey && string.IsNullOrEmpty(key))
        {
            errors.Add($"ApiKey is required for type '{preset.Type}': set ApiKey or the {preset.ApiKeyVariable} environment variable.");
        }
        else if (key is not null && HeaderText.FindControlCharacter(key, allowTab: false) >= 0)
        {
            string source = string.IsNullOrWhiteSpace(options.ApiKey) ? $"the {preset.ApiKeyVariable} environment variable" : "ApiKey";
            errors.Add($"ApiKey (from {source}) contains a control character (CR, LF or another) inside it, which would break the HTTP header that carries it. Leading and trailing whitespace is removed; remove the rest.");
        }

        if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Timeout must be positive (was {timeout}).");
        }

        if (options.DefaultMaxOutputTokens is <= 0)
        {
            errors.Add($"DefaultMaxOutputTokens must be positive (was {options.DefaultMaxOutputTokens}).");
        }

        if (options.MaxResponseBytes <= 0)
        {
            errors.Add($"MaxResponseBytes must be positive (was {options.MaxResponseBytes}); the default is {DefaultMaxResponseBytes} (32 MiB).");
        }

        if (options.Headers is { } headers)
        {
            foreach (KeyValuePair<string, string> header in headers)
            {
                if (string.IsNullOrWhiteSpace(header.Key))
                {
                    errors.Add("Headers must not contain an empty header name.");
                }
                else if (!HeaderText.IsToken(header.Key))
                {
                    errors.Add($"Headers: '{HeaderText.Escape(header.Key)}' is not a valid HTTP header name: use letters, digits and !#$%&'*+-.^_`|~ only (no spaces, colons or control characters).");
                }
                else if (header.Value is { } value && HeaderText.FindControlCharacter(value, allowTab: true) >= 0)
                {
                    errors.Add($"Headers:{header.Key}: the value contains a control character (CR, LF or another), which would split or inject HTTP headers; a header value is one line of text.");
                }
            }
        }

        return errors;
    }

    internal static IChatClient Create(
        ProviderOptions options,
        string? modelId,
        HttpClient? httpClient,
        IHttpClientFactory? factory,
        string? clientName,
        TimeProvider timeProvider,
        Func<string, string?> environment)
    {
        List<string> errors = Validate(options, environment);
        if (errors.Count > 0)
        {
            for (int i = 0; i < errors.Count; i++)
            {
                errors[i] = $"Provider ({options}): {errors[i]}";
            }

            throw new LlmRouterConfigurationException(errors);
        }

        ProviderPreset preset = ProviderPresets.Find(options.Type)!;
        if (options.CompletionTokensIncludeReasoning is { } included)
        {
            preset = preset with
            {
                Quirks = included ? preset.Quirks & ~OpenAIQuirks.ReasoningOutsideCompletion : preset.Quirks | OpenAIQuirks.ReasoningOutsideCompletion,
            };
        }

        bool owns = httpClient is null && factory is null;
        if (owns)
        {
            httpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime }, disposeHandler: true)
            {
                Timeout = options.Timeout ?? DefaultTimeout,
            };
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (options.Headers is not null)
        {
            headers.AddRange(options.Headers);
        }

        var connection = new ProviderConnection(
            preset,
            options.Endpoint ?? new Uri(preset.DefaultEndpoint!),
            ResolveKey(options, preset, environment),
            options.ApiVersion ?? preset.DefaultApiVersion,
            [.. headers],
            httpClient,
            owns,
            factory,
            clientName,
            timeProvider,
            options.MaxResponseBytes);

        return preset.Format switch
        {
            WireFormat.Anthropic => new AnthropicChatClient(connection, modelId, options.DefaultMaxOutputTokens ?? AnthropicChatClient.DefaultMaxTokens, options.PromptCaching == PromptCaching.Auto),
            WireFormat.Gemini => new GeminiChatClient(connection, modelId),
            _ => new OpenAIChatClient(connection, modelId, options.PromptCaching == PromptCaching.Auto),
        };
    }

    /// <summary>The key to send, without the whitespace around it (a key read from a file often ends with a newline); null when none.</summary>
    private static string? ResolveKey(ProviderOptions options, ProviderPreset preset, Func<string, string?> environment)
    {
        string? key = !string.IsNullOrWhiteSpace(options.ApiKey) ? options.ApiKey
            : preset.ApiKeyVariable is { } variable ? environment(variable)
            : null;
        return string.IsNullOrWhiteSpace(key) ? null : key.Trim();
    }
}
