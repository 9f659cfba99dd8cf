using System.Globalization;
using System.Text;

namespace LlmRouter;

/// <summary>One failed call of one deployment within a request, as listed by <see cref="LlmRouterException.Attempts"/>.</summary>
public sealed class RouterAttempt
{
    // Long enough for any provider's error summary; inner messages are not meant to be dumped whole into ours.
    private const int MaxMessageLength = 300;

    internal RouterAttempt(int number, string route, Deployment deployment, ProviderError error, TimeSpan duration, Exception exception)
    {
        Number = number;
        Route = route;
        Deployment = deployment.Name;
        Provider = deployment.Provider;
        Model = deployment.Model;
        Kind = error.Kind;
        StatusCode = error.StatusCode;
        RetryAfter = error.RetryAfter;
        Duration = duration;
        Exception = exception;
    }

    /// <summary>Gets the attempt's position in the request, starting at 1.</summary>
    public int Number { get; }

    /// <summary>Gets the route the deployment was tried for.</summary>
    public string Route { get; }

    /// <summary>Gets the name of the deployment that failed.</summary>
    public string Deployment { get; }

    /// <summary>Gets the deployment's provider name.</summary>
    public string Provider { get; }

    /// <summary>Gets the model id sent, or <see langword="null"/> when the client's default model was used.</summary>
    public string? Model { get; }

    /// <summary>Gets how the failure was classified.</summary>
    public ProviderErrorKind Kind { get; }

    /// <summary>Gets the HTTP status code, when the failure came from an HTTP response.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets how long the provider asked the caller to wait, when it said so.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets how long the attempt took until it failed.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Gets the exception the deployment's client threw (or the router raised for an unusable response).</summary>
    public Exception Exception { get; }

    /// <summary>Describes the attempt on one line: deployment, provider, model, kind, status, duration and the error message.</summary>
    /// <returns>For example <c>primary (openai, gpt-4o-mini): ServerError, HTTP 503, after 12 ms: Service unavailable.</c></returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Deployment).Append(" (").Append(Provider).Append(", ").Append(Model ?? "default model").Append("): ").Append(Kind);
        AppendStatus(text);
        text.Append(", after ").Append(Math.Round(Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).Append(" ms: ");
        AppendMessage(text, Exception.Message);
        return text.ToString();
    }

    /// <summary>Describes the failure briefly, for <see cref="LlmRouterProperties.FallbackReasons"/>: <c>deployment: kind (HTTP status)</c>.</summary>
    internal string ToShortString()
    {
        var text = new StringBuilder().Append(Deployment).Append(": ").Append(Kind);
        AppendStatus(text);
        return text.ToString();
    }

    private void AppendStatus(StringBuilder text)
    {
        if (StatusCode is { } status)
        {
            text.Append(", HTTP ").Append(status.ToString(CultureInfo.InvariantCulture));
        }

        if (RetryAfter is { } wait)
        {
            text.Append(", retry after ").Append(wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)).Append(" s");
        }
    }

    private static void AppendMessage(StringBuilder text, string message)
    {
        int length = Math.Min(message.Length, MaxMessageLength);
        for (int i = 0; i < length; i++)
        {
            char c = message[i];
            text.Append(c is '\r' or '\n' ? ' ' : c);
        }

        if (message.Length > MaxMessageLength)
        {
            text.Append('…');
        }
    }
}
