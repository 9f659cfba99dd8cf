using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmRouter;

/// <summary>
/// Holds the router's current <see cref="RouterModel"/> and, for a router that reloads, the models it replaced that still serve
/// requests. A reload swaps the current model for new requests while requests that started on an older model finish on it:
/// each holds a lease on its model, and once a replaced model has no request left, the clients no live model uses are
/// disposed. Routers built in code never reload and take no leases.
/// </summary>
/// <remarks>Thread-safe: the current model is read without a lock; swapping and retiring take one.</remarks>
internal sealed class RouterModelHost : IDisposable
{
    private readonly bool _reloadable;
    private readonly ILogger _logger;
    private readonly Lock _swap = new();
    private readonly List<RouterModel> _retired = [];
    private volatile RouterModel _current;
    private IDisposable? _reloader;
    private int _disposed;

    public RouterModelHost(RouterModel model, bool reloadable, ILogger logger)
    {
        _current = model;
        _reloadable = reloadable;
        _logger = logger;
    }

    /// <summary>Gets the model new requests use.</summary>
    public RouterModel Current => _current;

    /// <summary>Gets whether requests take leases on their model, because a reload may replace it.</summary>
    public bool Reloadable => _reloadable;

    /// <summary>Gives the host the subscription that reloads it, disposed with it.</summary>
    public void OwnReloader(IDisposable reloader) => _reloader = reloader;

    /// <summary>Makes <paramref name="next"/> the model of new requests; the current one is retired once its requests end.</summary>
    /// <exception cref="InvalidOperationException">The router was not built to reload.</exception>
    public void Swap(RouterModel next)
    {
        if (!_reloadable)
        {
            throw new InvalidOperationException("This router was not built to reload.");
        }

        RouterModel previous;
        lock (_swap)
        {
            previous = _current;
            _retired.Add(previous);
            _current = next;
        }

        // The host's own hold on the model it served with.
        Release(previous);
    }

    /// <summary>
    /// Takes a lease on <paramref name="model"/> when it is still current; otherwise on the current model, resolving the route
    /// again there. Routers that do not reload take no lease.
    /// </summary>
    /// <exception cref="ArgumentException">The route no longer exists in the current model.</exception>
    public Route Lease(ref RouterModel model, Route route, string? routeName)
    {
        if (!_reloadable || (ReferenceEquals(model, _current) && model.TryAddUser()))
        {
            return route;
        }

        while (true)
        {
            RouterModel current = _current;
            if (!current.TryAddUser())
            {
                continue;
            }

            try
            {
                route = current.ResolveRoute(routeName);
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
    /// <returns>The model to release when that work ends, or <see langword="null"/> when the router does not reload.</returns>
    public RouterModel? Hold(RouterModel model)
    {
        if (!_reloadable)
        {
            return null;
        }

        model.AddUser();
        return model;
    }

    /// <summary>Gives a lease back; the last lease of a retired model disposes the clients no live model uses.</summary>
    public void Release(RouterModel model)
    {
        if (_reloadable && model.RemoveUser())
        {
            Drained(model);
        }
    }

    /// <summary>Disposes every deployment's client once, even when several deployments or models share one.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _reloader?.Dispose();
        List<RouterModel> models = LiveModels();
        var clients = new HashSet<IChatClient>(ReferenceEqualityComparer.Instance);
        foreach (RouterModel model in models)
        {
            foreach (Deployment deployment in model.Deployments)
            {
                deployment.DisposePipeline();
                clients.Add(deployment.Source);
            }
        }

        foreach (IChatClient client in clients)
        {
            client.Dispose();
        }
    }

    /// <summary>A retired model's last request ended: disposes its deployment pipelines and the clients that no live model uses.</summary>
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
                    live.Add(deployment.Source);
                }
            }

            foreach (Deployment deployment in model.Deployments)
            {
                if (live.Add(deployment.Source))
                {
                    unused.Add(deployment.Source);
                }
            }
        }

        foreach (Deployment deployment in model.Deployments)
        {
            deployment.DisposePipeline();
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
            return [_current, .. _retired];
        }
    }
}
