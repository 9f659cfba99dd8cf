using System.Diagnostics;
using System.Text;

namespace LlmRouter;

/// <summary>
/// What telemetry keeps about one request, inside the pooled <see cref="RouterRequest"/>: the request span, when it started,
/// how it ended, and what the committed stream said. All default (and untouched) when nothing listens.
/// </summary>
internal struct RequestTelemetry
{
    /// <summary>Whether anything listened when the request started: a span, a metric, or content logging.</summary>
    public bool Enabled;

    public bool Streaming;

    /// <summary>Whether prompts and completions go on the span.</summary>
    public bool CaptureContent;

    /// <summary>Whether prompts and completions go to the Trace log.</summary>
    public bool LogContent;

    public long StartedAt;

    public Activity? Activity;

    public CancellationToken Cancellation;

    /// <summary>The deployment that served the request, once one did.</summary>
    public Deployment? ServedBy;

    /// <summary>The router's exception for a failed request, when the router created one.</summary>
    public Exception? Failure;

    public bool Abandoned;

    // What the committed stream said, observed update by update.
    public long? InputTokens;
    public long? OutputTokens;
    public string? FinishReason;
    public string? ResponseModel;
    public string? ResponseId;
    public StringBuilder? Text;
}
