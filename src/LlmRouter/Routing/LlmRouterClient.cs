using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// The router: resolves the requested route, tries its candidates in the strategy's order, then its fallback
/// routes, and annotates the response with who served it.
/// </summary>
/// <remarks>
/// Thread-safe: the routing model is immutable and per-request bookkeeping lives on the stack of each call.
/// Disposing the router disposes every deployment's client once.
/// </remarks>
internal sealed class LlmRouterClient : IChatClient
{
    private const string RouterProviderName = "llmrouter";

    // Provider streams often open with a role-only or empty-text update; holding those back until real content
    // arrives keeps failover possible when the stream breaks right after. Beyond this many, commit anyway.
    private const int MaxHeldUpdates = 16;

    private static readonly object[] BoxedAttemptCounts = CreateBoxedCounts(32);

    private readonly RouterModel _model;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata;
    private int _disposed;

    public LlmRouterClient(RouterModel model, TimeProvider timeProvider, ILogger logger)
    {
        _model = model;
        _time = timeProvider;
        _logger = logger;
        _metadata = new ChatClientMetadata(RouterProviderName, providerUri: null, defaultModelId: model.DefaultRoute?.Name);
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RouterModel model = _model;
        var request = new RouterRequest(model, model.ResolveRoute(options?.ModelId), messages, options);
        if (!request.TryNext(out Deployment deployment, out Route route))
        {
            request.Dispose();
            return Task.FromException<ChatResponse>(NothingTried(ref request));
        }

        long startedAt = _time.GetTimestamp();
        Task<ChatResponse> pending = Call(deployment, messages, options, cancellationToken);

        // A client that completes synchronously (a cache hit, a fake) is answered without an async state machine.
        if (pending.IsCompletedSuccessfully && pending.Result is { } response)
        {
            request.Dispose();
            Annotate(response, route, deployment, ref request);
            return pending;
        }

        return ContinueAsync(pending, deployment, route, startedAt, request, messages, options, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        RouterModel model = _model;
        Route route = model.ResolveRoute(options?.ModelId);
        return StreamAsync(model, route, messages, options, cancellationToken);
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

        var disposed = new HashSet<IChatClient>(ReferenceEqualityComparer.Instance);
        foreach (Deployment deployment in _model.Deployments)
        {
            if (disposed.Add(deployment.Client))
            {
                deployment.Client.Dispose();
            }
        }
    }

    private async Task<ChatResponse> ContinueAsync(
        Task<ChatResponse> pending,
        Deployment deployment,
        Route route,
        long startedAt,
        RouterRequest request,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Exception failure;
                try
                {
                    ChatResponse? response = await pending.ConfigureAwait(false);
                    if (response is not null)
                    {
                        Annotate(response, route, deployment, ref request);
                        return response;
                    }

                    failure = new ProviderException($"Deployment '{deployment.Name}' returned no response.", ProviderErrorKind.InvalidResponse);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                OnAttemptFailed(ref request, failure, deployment, route, startedAt, cancellationToken);
                if (!request.TryNext(out deployment, out route))
                {
                    throw AllFailed(ref request);
                }

                LogFallback(ref request, deployment, route);
                startedAt = _time.GetTimestamp();
                pending = Call(deployment, messages, options, cancellationToken);
            }
        }
        finally
        {
            request.Dispose();
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        RouterModel model,
        Route requested,
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new RouterRequest(model, requested, messages, options);
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        List<ChatResponseUpdate>? held = null;
        ChatResponseUpdate? first = null;
        Deployment deployment;
        Route route;
        try
        {
            // Before the commit point: any failure moves on to the next candidate.
            while (true)
            {
                if (!request.TryNext(out deployment, out route))
                {
                    throw request.Attempts == 0 ? NothingTried(ref request) : AllFailed(ref request);
                }

                if (request.Attempts > 1)
                {
                    LogFallback(ref request, deployment, route);
                }

                long startedAt = _time.GetTimestamp();
                Exception? failure = null;
                try
                {
                    stream = deployment.Client
                        .GetStreamingResponseAsync(messages, ForwardOptions(options, deployment), cancellationToken)
                        .GetAsyncEnumerator(cancellationToken);
                    while (true)
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            if (held is not { Count: > 0 })
                            {
                                failure = new ProviderException(
                                    $"Deployment '{deployment.Name}' ended its stream without sending any update.", ProviderErrorKind.InvalidResponse);
                            }

                            break;
                        }

                        ChatResponseUpdate update = stream.Current;
                        if (Commits(update) || held?.Count >= MaxHeldUpdates)
                        {
                            first = update;
                            break;
                        }

                        (held ??= []).Add(update);
                    }
                }
                catch (Exception exception)
                {
                    failure = exception;
                }

                if (failure is null)
                {
                    break;
                }

                held?.Clear();
                if (stream is not null)
                {
                    IAsyncEnumerator<ChatResponseUpdate> failed = stream;
                    stream = null;
                    await DisposeAfterFailureAsync(failed).ConfigureAwait(false);
                }

                OnAttemptFailed(ref request, failure, deployment, route, startedAt, cancellationToken);
            }

            // Committed: from here on, the caller sees the provider's stream and its errors unchanged.
            var tail = default(StreamTail);
            if (held is not null)
            {
                foreach (ChatResponseUpdate update in held)
                {
                    tail.Observe(update);
                    yield return update;
                }
            }

            if (first is not null)
            {
                tail.Observe(first);
                yield return first;
                while (await stream!.MoveNextAsync().ConfigureAwait(false))
                {
                    ChatResponseUpdate update = stream.Current;
                    tail.Observe(update);
                    yield return update;
                }
            }

            var final = new ChatResponseUpdate
            {
                ResponseId = tail.ResponseId,
                MessageId = tail.MessageId,
                ConversationId = tail.ConversationId,
                ModelId = tail.ModelId ?? deployment.Model,
            };
            final.AdditionalProperties = CreateProperties(route, deployment, ref request);
            yield return final;
        }
        finally
        {
            request.Dispose();
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static Task<ChatResponse> Call(Deployment deployment, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return deployment.Client.GetResponseAsync(messages, ForwardOptions(options, deployment), cancellationToken);
        }
        catch (Exception exception)
        {
            // A client that throws before returning its task failed this attempt like any other.
            return Task.FromException<ChatResponse>(exception);
        }
    }

    /// <summary>
    /// The options a deployment receives: the caller's, with ModelId replaced by the deployment's model and the
    /// router's own <c>llmrouter.*</c> request properties removed. The caller's object is never modified.
    /// </summary>
    internal static ChatOptions? ForwardOptions(ChatOptions? options, Deployment deployment)
    {
        if (options is null)
        {
            return deployment.Model is null ? null : new ChatOptions { ModelId = deployment.Model };
        }

        bool hasRouterProperties = HasRouterProperties(options.AdditionalProperties);
        if (!hasRouterProperties && string.Equals(options.ModelId, deployment.Model, StringComparison.Ordinal))
        {
            return options;
        }

        ChatOptions forwarded = options.Clone();
        forwarded.ModelId = deployment.Model;
        if (hasRouterProperties)
        {
            forwarded.AdditionalProperties = WithoutRouterProperties(options.AdditionalProperties!);
        }

        return forwarded;
    }

    private void OnAttemptFailed(ref RouterRequest request, Exception exception, Deployment deployment, Route route, long startedAt, CancellationToken cancellationToken)
    {
        ProviderError error = cancellationToken.IsCancellationRequested
            ? new ProviderError(ProviderErrorKind.Cancelled)
            : ProviderErrorClassifier.Classify(exception, request.Model.Classifiers);

        if (error.Kind == ProviderErrorKind.Cancelled)
        {
            // The caller's decision, not the deployment's failure: nothing is recorded and nothing else is tried.
            if (exception is OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(exception);
            }

            throw new OperationCanceledException("The request was cancelled by the caller.", exception, cancellationToken);
        }

        var attempt = new RouterAttempt(request.Attempts, route.Name, deployment, error, _time.GetElapsedTime(startedAt), exception);
        request.AddFailure(attempt);
        Log.AttemptFailed(_logger, deployment.Name, route.Name, error.Kind, error.StatusCode, exception);

        switch (error.Kind)
        {
            case ProviderErrorKind.BadRequest:
                throw Stopped(ref request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' rejected the request as invalid ({Describe(error)}). " +
                    "No other deployment was tried because the request itself must be fixed.");

            case ProviderErrorKind.ContentFiltered when !request.Requested.FallbackOnContentFilter:
                throw Stopped(ref request,
                    $"Route '{request.Requested.Name}': deployment '{deployment.Name}' blocked the request with its content filter ({Describe(error)}). " +
                    "No other deployment was tried; set RouteOptions.FallbackOnContentFilter to try them.");

            case ProviderErrorKind.ContextLengthExceeded:
                request.NoteContextOverflow(deployment);
                break;

            case ProviderErrorKind.Authentication or ProviderErrorKind.PermissionDenied or ProviderErrorKind.NotFound or ProviderErrorKind.QuotaExceeded:
                if (deployment.State.TryReportMisconfiguration())
                {
                    Log.DeploymentMisconfigured(_logger, deployment.Name, deployment.Provider, error.Kind, error.StatusCode);
                }

                break;
        }
    }

    private LlmRouterException AllFailed(ref RouterRequest request)
    {
        IReadOnlyList<RouterAttempt> failures = request.Failures;
        var exception = new LlmRouterException(
            request.Requested.Name,
            failures,
            $"Route '{request.Requested.Name}': all {failures.Count} attempted deployment(s) failed.{request.SkippedSummary()}");
        Log.AllCandidatesFailed(_logger, request.Requested.Name, failures.Count, exception);
        return exception;
    }

    private LlmRouterException NothingTried(ref RouterRequest request)
    {
        var exception = new LlmRouterException(
            request.Requested.Name,
            [],
            $"Route '{request.Requested.Name}': no deployment could be tried.{request.SkippedSummary()}");
        Log.AllCandidatesFailed(_logger, request.Requested.Name, 0, exception);
        return exception;
    }

    private LlmRouterException Stopped(ref RouterRequest request, string message)
    {
        var exception = new LlmRouterException(request.Requested.Name, request.Failures, message);
        Log.RequestStopped(_logger, request.Requested.Name, exception);
        return exception;
    }

    private void LogFallback(ref RouterRequest request, Deployment next, Route route)
    {
        if (request.Failures is [.., RouterAttempt previous])
        {
            Log.FallingBack(_logger, request.Requested.Name, previous.Deployment, previous.Kind, next.Name, route.Name);
        }
    }

    private static string Describe(ProviderError error) =>
        error.StatusCode is { } status ? $"{error.Kind}, HTTP {status}" : error.Kind.ToString();

    private static void Annotate(ChatResponse response, Route route, Deployment deployment, ref RouterRequest request)
    {
        response.ModelId ??= deployment.Model;
        if (response.AdditionalProperties is { } existing)
        {
            existing[LlmRouterProperties.Route] = route.Name;
            existing[LlmRouterProperties.Deployment] = deployment.Name;
            existing[LlmRouterProperties.Provider] = deployment.Provider;
            existing[LlmRouterProperties.Attempts] = BoxAttempts(request.Attempts);
            if (request.FallbackReasons() is { } reasons)
            {
                existing[LlmRouterProperties.FallbackReasons] = reasons;
            }
        }
        else
        {
            response.AdditionalProperties = CreateProperties(route, deployment, ref request);
        }
    }

    private static AdditionalPropertiesDictionary CreateProperties(Route route, Deployment deployment, ref RouterRequest request)
    {
        string? reasons = request.FallbackReasons();
        return RouterPropertyBag.Create(route.Name, deployment.Name, deployment.Provider, BoxAttempts(request.Attempts), reasons);
    }

    /// <summary>Whether an update carries something the caller must see; role-only and empty-text updates do not.</summary>
    private static bool Commits(ChatResponseUpdate update)
    {
        if (update.FinishReason is not null)
        {
            return true;
        }

        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent { Text: null or "" }:
                case TextReasoningContent { Text: null or "", ProtectedData: null }:
                    continue;
                default:
                    return true;
            }
        }

        return false;
    }

    private static async ValueTask DisposeAfterFailureAsync(IAsyncEnumerator<ChatResponseUpdate> stream)
    {
        try
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The attempt already failed with its own exception, which is what gets recorded; a broken stream failing to close adds nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static bool HasRouterProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static AdditionalPropertiesDictionary WithoutRouterProperties(AdditionalPropertiesDictionary properties)
    {
        var filtered = new AdditionalPropertiesDictionary();
        foreach (KeyValuePair<string, object?> property in properties)
        {
            if (!property.Key.StartsWith(RouterPropertyBag.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                filtered[property.Key] = property.Value;
            }
        }

        return filtered;
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

    /// <summary>The identifiers of a committed stream, copied onto the router's final update.</summary>
    private struct StreamTail
    {
        public string? ResponseId;
        public string? MessageId;
        public string? ConversationId;
        public string? ModelId;

        public void Observe(ChatResponseUpdate update)
        {
            ResponseId = update.ResponseId ?? ResponseId;
            MessageId = update.MessageId ?? MessageId;
            ConversationId = update.ConversationId ?? ConversationId;
            ModelId = update.ModelId ?? ModelId;
        }
    }
}
