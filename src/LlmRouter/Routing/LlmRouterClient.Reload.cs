using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// Reloads: a new <see cref="RouterModel"/> replaces the current one for new requests, while requests that started on an
/// older model finish on it. Each request holds a lease on its model; once a replaced model has no request left, the
/// clients that no live model uses any more are disposed. Routers built in code never reload and take no leases.
/// </summary>
internal sealed partial class LlmRouterClient
{
    private readonly bool _reloadable;
    private readonly Lock _swap = new();
    private readonly List<RouterModel> _retired = [];
    private IDisposable? _reloader;

    /// <summary>Gets the model new requests use.</summary>
    internal RouterModel Model => _model;

    /// <summary>Gives the router the subscription that reloads it, disposed with the router.</summary>
    internal void OwnReloader(IDisposable reloader) => _reloader = reloader;

    /// <summary>Makes <paramref name="next"/> the model of new requests; the current one is retired once its requests end.</summary>
    /// <exception cref="InvalidOperationException">The router was not built to reload.</exception>
    internal void Swap(RouterModel next)
    {
        if (!_reloadable)
        {
            throw new InvalidOperationException("This router was not built to reload.");
        }

        RouterModel previous;
        lock (_swap)
        {
            previous = _model;
            _retired.Add(previous);
            _model = next;
            _metadata = new ChatClientMetadata(RouterProviderName, providerUri: null, defaultModelId: next.DefaultRoute?.Name);
        }

        // The router's own hold on the model it served with.
        Release(previous);
    }

    /// <summary>Takes a lease on <paramref name="model"/> when it is still current; otherwise on the current model, resolving the route again there.</summary>
    private Route Lease(ref RouterModel model, Route route, ChatOptions? options)
    {
        if (ReferenceEquals(model, _model) && model.TryAddUser())
        {
            return route;
        }

        while (true)
        {
            RouterModel current = _model;
            if (!current.TryAddUser())
            {
                continue;
            }

            try
            {
                route = current.ResolveRoute(options?.ModelId);
            }
            catch
            {
                Release(current);
                throw;
            }

            model = current;
            return route;
        }
    }

    /// <summary>Takes one more lease on a model a request already holds, for work that outlives the request (a hedge's loser).</summary>
    private RouterModel? Hold(RouterModel model)
    {
        if (!_reloadable)
        {
            return null;
        }

        model.AddUser();
        return model;
    }

    private void Release(RouterModel model)
    {
        if (model.RemoveUser())
        {
            Drained(model);
        }
    }

    /// <summary>A retired model's last request ended: disposes the clients that no live model uses.</summary>
    private void Drained(RouterModel model)
    {
        List<IChatClient> unused = [];
        lock (_swap)
        {
            _retired.Remove(model);
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            var live = new HashSet<IChatClient>(ReferenceEqualityComparer.Instance);
            foreach (RouterModel alive in LiveModels())
            {
                foreach (Deployment deployment in alive.Deployments)
                {
                    live.Add(deployment.Client);
                }
            }

            foreach (Deployment deployment in model.Deployments)
            {
                if (live.Add(deployment.Client))
                {
                    unused.Add(deployment.Client);
                }
            }
        }

        foreach (IChatClient client in unused)
        {
            client.Dispose();
        }

        Log.ClientsRetired(_logger, unused.Count);
    }

    /// <summary>The current model and every retired one that still has requests.</summary>
    private List<RouterModel> LiveModels()
    {
        lock (_swap)
        {
            return [_model, .. _retired];
        }
    }
}
