using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// The router as an <see cref="IChatClient"/>: validates the call, resolves the requested route, and hands the request to
/// its path: <see cref="ResponseLoop"/> or <see cref="StreamLoop"/> (each hedging through <see cref="HedgedRace"/> when the
/// route hedges), which run their attempts on the one <see cref="AttemptEngine"/>.
/// </summary>
/// <remarks>
/// This class owns only the plumbing: the call's arguments, the caller's <see cref="Activity.Current"/>, what
/// <see cref="GetService"/> offers (<see cref="IRouterHealth"/>, <see cref="IRouterSpend"/>, <see cref="IRouterFeedback"/>, <see cref="ChatClientMetadata"/>)
/// and disposal. Routing decisions live in Routing/ (routes, cursor, dispatch, strategies), failure handling in Resilience/,
/// reservations in Budgets/, charging in Pricing/. Thread-safe: the routing model is immutable, per-deployment state is
/// lock-free, and per-request bookkeeping lives in a pooled object each call owns. Disposing the router disposes every
/// deployment's pipeline and client once.
/// </remarks>
internal sealed class LlmRouterClient : IChatClient
{
    private readonly RouterModelHost _models;
    private IDisposable? _subscription;
    private readonly AttemptEngine _engine;
    private readonly ResponseLoop _responses;
    private readonly StreamLoop _streams;
    private readonly RouterHealth _health;
    private readonly RouterSpend _spend;
    private readonly RouterFeedback _feedback;
    private readonly SampledEvaluation _evaluation;
    private int _disposed;

    public LlmRouterClient(RouterModel model, TimeProvider timeProvider, ILogger logger, TelemetryOptions telemetry, bool reloadable = false)
    {
        _models = new RouterModelHost(model, reloadable, logger);
        _engine = new AttemptEngine(_models, new RouterTelemetry(telemetry, timeProvider, logger, () => _models.Current.Deployments), timeProvider, logger);
        _responses = new ResponseLoop(_engine);
        _streams = new StreamLoop(_engine);
        _health = new RouterHealth(_models, timeProvider);
        _spend = new RouterSpend(_models, timeProvider);
        _feedback = new RouterFeedback(_models, logger);
        AdaptiveTelemetry.Register(_engine.Telemetry, () => _models.Current);
        _evaluation = new SampledEvaluation(this, _models, _feedback, logger, _engine.Telemetry.Meter);
    }

    /// <summary>Gets the model new requests use.</summary>
    internal RouterModel Model => _models.Current;

    /// <summary>Gets the router's telemetry, for reloads that change what it records.</summary>
    internal RouterTelemetry Telemetry => _engine.Telemetry;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RouterModel model = _models.Current;
        Route route = model.ResolveRoute(options?.ModelId);
        if (model.DefaultDataProtection is not null)
        {
            options = DataProtectionPolicy.Protect(model, route, messages, options);
        }

        if (!_engine.Telemetry.Tracing)
        {
            return Evaluated(model, _responses.RespondAsync(model, route, messages, options, cancellationToken), messages);
        }

        // The spans started here become Activity.Current; the caller must get its own back when this returns.
        Activity? caller = Activity.Current;
        try
        {
            return Evaluated(model, _responses.RespondAsync(model, route, messages, options, cancellationToken), messages);
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RouterModel model = _models.Current;
        Route route = model.ResolveRoute(options?.ModelId);
        if (model.DefaultDataProtection is not null)
        {
            options = DataProtectionPolicy.Protect(model, route, messages, options);
        }

        IAsyncEnumerable<ChatResponseUpdate> stream = _streams.StreamAsync(model, route, messages, options, cancellationToken);
        return model.Evaluates ? _evaluation.ObserveStreamAsync(stream, messages) : stream;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _models.Current.Metadata;
        }

        if (serviceType == typeof(IRouterHealth))
        {
            return _health;
        }

        if (serviceType == typeof(IRouterSpend))
        {
            return _spend;
        }

        if (serviceType == typeof(IRouterFeedback))
        {
            return _feedback;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Offers the response for sampled evaluation when a route of the model evaluates; otherwise the call as it is.</summary>
    private Task<ChatResponse> Evaluated(RouterModel model, Task<ChatResponse> call, IEnumerable<ChatMessage> messages) =>
        model.Evaluates ? _evaluation.ObserveAsync(call, messages) : call;

    /// <summary>Disposes every deployment's pipeline and client once, even when several deployments share one.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _evaluation.Dispose();
        _subscription?.Dispose();
        _models.Dispose();
        _engine.Dispose();
        _engine.Telemetry.Dispose();
    }

    /// <summary>Gives the router a subscription to shared state (the cooldowns other processes publish), disposed with the router.</summary>
    internal void OwnSubscription(IDisposable subscription) => _subscription = subscription;

    /// <summary>Gets the routing model in use now; a reload swaps it, so read it once per request.</summary>
    internal RouterModel CurrentModel => _models.Current;

    /// <summary>Gets this router's meter, so an in-process listener can tell its measurements from other routers'.</summary>
    internal System.Diagnostics.Metrics.Meter Meter => _engine.Telemetry.Meter;

    /// <summary>Gives the router the subscription that reloads it, disposed with the router.</summary>
    internal void OwnReloader(IDisposable reloader) => _models.OwnReloader(reloader);

    /// <summary>Makes <paramref name="next"/> the model of new requests; the current one is retired once its requests end.</summary>
    /// <exception cref="InvalidOperationException">The router was not built to reload.</exception>
    internal void Swap(RouterModel next) => _models.Swap(next);
}
