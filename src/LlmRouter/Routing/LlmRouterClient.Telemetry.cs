using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>Where a request's outcome reaches telemetry (<see cref="RouterTelemetry"/>); each call returns at once when nothing listens.</summary>
internal sealed partial class LlmRouterClient
{
    /// <summary>Gets the router's telemetry, for reloads that change what it records.</summary>
    internal RouterTelemetry Telemetry => _telemetry;

    /// <summary>Ends a successful non-streaming attempt and notes that it served the request; after <see cref="Annotate"/>.</summary>
    private void Served(RouterRequest request, ref Attempt attempt, ChatResponse response, long now)
    {
        _telemetry.AttemptSucceeded(request, ref attempt, response, now);
        _telemetry.RequestServed(request, attempt, response, response.AdditionalProperties);
    }

    /// <summary>Ends a stream's serving attempt, at the stream's end or when the consumer stopped reading.</summary>
    private void StreamServed(RouterRequest request, ref Attempt attempt, AdditionalPropertiesDictionary? properties, long now)
    {
        _telemetry.AttemptSucceeded(request, ref attempt, response: null, now);
        _telemetry.RequestServed(request, attempt, response: null, properties);
    }

    /// <summary>Observes an update the caller is about to receive: for the final update's identifiers, and for telemetry.</summary>
    private static void Observe(ref StreamTail tail, RouterRequest request, ChatResponseUpdate update)
    {
        tail.Observe(update);
        if (request.Telemetry.Enabled)
        {
            RouterTelemetry.Observe(ref request.Telemetry, update);
        }
    }
}
