using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// The router: resolves the requested route, tries its candidates in the strategy's order (retrying each on transient
/// failures), then its fallback routes, and annotates the response with who served it.
/// </summary>
/// <remarks>
/// Thread-safe: the routing model is immutable, per-deployment state and spend totals are lock-free, and per-request
/// bookkeeping lives in a pooled object each call owns. Disposing the router disposes every deployment's client once.
/// </remarks>
internal sealed partial class LlmRouterClient : IChatClient
{
    private const string RouterProviderName = "llmrouter";

    private static readonly object[] BoxedAttemptCounts = CreateBoxedCounts(32);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _random;
    private readonly AttemptTimerPool _timers;
    private readonly ObjectPool<RouterRequest> _requests = new();
    private readonly RouterTelemetry _telemetry;
    private volatile RouterModel _model;
    private volatile ChatClientMetadata _metadata;
    private int _disposed;

    public LlmRouterClient(RouterModel model, TimeProvider timeProvider, ILogger logger, Func<double> random, TelemetryOptions telemetry, bool reloadable = false)
    {
        _model = model;
        _time = timeProvider;
        _logger = logger;
        _random = random;
        _reloadable = reloadable;
        _timers = new AttemptTimerPool(timeProvider);
        _metadata = new ChatClientMetadata(RouterProviderName, providerUri: null, defaultModelId: model.DefaultRoute?.Name);
        _telemetry = new RouterTelemetry(telemetry, timeProvider, logger, () => _model.Deployments);
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (!_telemetry.Tracing)
        {
            return Respond(messages, options, cancellationToken);
        }

        // The spans started here become Activity.Current; the caller must get its own back when this returns.
        Activity? caller = Activity.Current;
        try
        {
            return Respond(messages, options, cancellationToken);
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    private Task<ChatResponse> Respond(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        RouterModel model = _model;
        Route route = model.ResolveRoute(options?.ModelId);
        long now = _time.GetTimestamp();
        RouterRequest request = RentRequest(model, route, messages, options, now, streaming: false, cancellationToken);
        if (request.Requested.Hedging is not null)
        {
            return HedgedResponseAsync(request, messages, options, cancellationToken);
        }

        if (!request.TryNext(now, out Candidate candidate) || candidate.NeedsSlot || request.Budgeted)
        {
            // Waiting for a slot and reserving budget may not complete synchronously.
            request.Chosen = candidate;
            return ResponseAsync(request, pending: null, messages, options, cancellationToken);
        }

        Attempt attempt = StartAttempt(request, candidate, @try: 1, streaming: false, cancellationToken, now, charges: null);
        Task<ChatResponse> pending = Call(attempt, messages, options);

        // A client that completes synchronously (a cache hit, a fake) is answered without an async state machine.
        if (pending.IsCompletedSuccessfully && pending.Result is { } response)
        {
            long end = _time.GetTimestamp();
            Succeeded(ref attempt, end);
            Annotate(response, ref attempt, request);
            Served(request, ref attempt, response, end);
            ReturnRequest(request);
            return pending;
        }

        request.Attempt = attempt;
        return ResponseAsync(request, pending, messages, options, cancellationToken);
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
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Disposes every deployment's client once, even when several deployments share one.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _reloader?.Dispose();
        var disposed = new HashSet<IChatClient>(ReferenceEqualityComparer.Instance);
        foreach (RouterModel model in LiveModels())
        {
            foreach (Deployment deployment in model.Deployments)
            {
                if (disposed.Add(deployment.Client))
                {
                    deployment.Client.Dispose();
                }
            }
        }

        _timers.Dispose();
        _telemetry.Dispose();
    }

    /// <summary>
    /// The asynchronous path: awaits the attempt in flight, <see cref="RouterRequest.Attempt"/> (or starts the next, beginning
    /// with <see cref="RouterRequest.Chosen"/> when there is one), retries or falls back on failure, and answers with the
    /// first success.
    /// </summary>
    private async Task<ChatResponse> ResponseAsync(
        RouterRequest request,
        Task<ChatResponse>? pending,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (pending is null)
                {
                    Candidate candidate = request.Chosen;
                    if (candidate.Deployment is null)
                    {
                        Select(request, _time.GetTimestamp(), out candidate);
                    }
                    else
                    {
                        request.Chosen = default;
                    }

                    if (candidate.NeedsSlot && !await WaitForSlotAsync(request.Deadline, candidate, cancellationToken).ConfigureAwait(false))
                    {
                        request.NoteSaturated(candidate.Deployment);
                        continue;
                    }

                    if (candidate.NeedsSlot && !request.CompleteAdmission(ref candidate, _time.GetTimestamp()))
                    {
                        continue;
                    }

                    Admission admission = await ReserveAsync(request, candidate, cancellationToken).ConfigureAwait(false);
                    if (!admission.Proceed)
                    {
                        continue;
                    }

                    request.Attempt = StartAttempt(request, candidate, @try: 1, streaming: false, cancellationToken, _time.GetTimestamp(), admission.Charges);
                    LogFallback(request, request.Attempt);
                    pending = Call(request.Attempt, messages, options);
                }

                ChatResponse? response = null;
                Exception? failure = null;
                try
                {
                    response = await pending.ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                pending = null;
                long end = _time.GetTimestamp();
                if (failure is null && response is not null)
                {
                    Succeeded(ref request.Attempt, end);
                    Annotate(response, ref request.Attempt, request);
                    Served(request, ref request.Attempt, response, end);
                    return response;
                }

                failure ??= new ProviderException($"Deployment '{request.Attempt.Deployment.Name}' returned no response.", ProviderErrorKind.InvalidResponse);
                if (OnFailure(request, ref request.Attempt, failure, cancellationToken, end, out TimeSpan wait) == AfterFailure.Retry)
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                    }

                    if (request.TryReadmit(request.Attempt.Deployment, request.Attempt.Route, _time.GetTimestamp(), out Candidate again))
                    {
                        Admission admission = await ReserveAsync(request, again, cancellationToken).ConfigureAwait(false);
                        if (admission.Proceed)
                        {
                            request.Attempt = StartAttempt(request, again, request.Attempt.Try + 1, streaming: false, cancellationToken, _time.GetTimestamp(), admission.Charges);
                            pending = Call(request.Attempt, messages, options);
                        }
                    }
                }
            }
        }
        finally
        {
            ReturnRequest(request);
        }
    }

    private RouterRequest RentRequest(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options, long now, bool streaming, CancellationToken cancellationToken)
    {
        if (_reloadable)
        {
            route = Lease(ref model, route, options);
        }

        RouterRequest request = _requests.TryRent() ?? new RouterRequest();
        try
        {
            request.Begin(model, route, messages, options, _time, now, streaming, _random);
        }
        catch
        {
            // Invalid llmrouter.* request properties: nothing started, so nothing to end but the bookkeeping.
            request.End();
            _requests.TryReturn(request);
            if (_reloadable)
            {
                Release(model);
            }

            throw;
        }

        _telemetry.StartRequest(request, messages, options, streaming, now, cancellationToken);
        return request;
    }

    private void ReturnRequest(RouterRequest request)
    {
        if (request.Telemetry.Enabled)
        {
            _telemetry.EndRequest(request);
        }

        RouterModel model = request.Model;
        request.End();
        _requests.TryReturn(request);
        if (_reloadable)
        {
            Release(model);
        }
    }

    private static Task<ChatResponse> Call(in Attempt attempt, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        try
        {
            return attempt.Deployment.Client.GetResponseAsync(messages, ForwardOptions(options, attempt.Deployment), attempt.Token);
        }
        catch (Exception exception)
        {
            // A client that throws before returning its task failed this attempt like any other.
            return Task.FromException<ChatResponse>(exception);
        }
    }

    private static object BoxAttempts(int attempts) =>
        (uint)attempts < (uint)BoxedAttemptCounts.Length ? BoxedAttemptCounts[attempts] : attempts;

    private static object[] CreateBoxedCounts(int count)
    {
        var boxed = new object[count];
        for (int i = 0; i < count; i++)
        {
            boxed[i] = i;
        }

        return boxed;
    }
}
