namespace LlmRouter;

/// <summary>
/// What the router's telemetry records beyond names, timings, token counts and outcomes. Traces come from the
/// <c>LlmRouter</c> <see cref="System.Diagnostics.ActivitySource"/> and metrics from the <c>LlmRouter</c>
/// <see cref="System.Diagnostics.Metrics.Meter"/>; nothing is recorded unless a listener (an OpenTelemetry SDK) subscribes.
/// Configuration section: <c>Telemetry</c>.
/// </summary>
/// <remarks>API keys are never recorded, whatever these options say.</remarks>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets whether prompts and completions are recorded: on the request span as <c>gen_ai.input.messages</c>,
    /// <c>gen_ai.system_instructions</c> and <c>gen_ai.output.messages</c>, and in Trace-level logs. They may hold personal or
    /// confidential data, so this is off unless asked for.
    /// </summary>
    /// <value>
    /// The default is <see langword="true"/> when the <c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c> environment
    /// variable is <c>true</c> when the options are created, else <see langword="false"/>.
    /// </value>
    public bool EnableSensitiveData { get; set; } = CaptureByDefault();

    /// <summary>
    /// Gets or sets a name for this router, recorded as <c>llmrouter.router</c> on every metric measurement and span when set,
    /// so that several routers in one process whose deployments share names keep separate series (an exporter keeps one value
    /// per series of an observable instrument such as <c>llmrouter.deployment.in_flight</c>). Read when the router is built.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: no such tag. <c>AddKeyedLlmRouter</c> sets the service key (as text) unless a
    /// name is given.
    /// </value>
    public string? RouterName { get; set; }

    private static bool CaptureByDefault() =>
        string.Equals(Environment.GetEnvironmentVariable(TelemetryConstants.CaptureMessageContentVariable), "true", StringComparison.OrdinalIgnoreCase);
}
