using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace LlmRouter;

/// <summary>
/// The endpoint's current virtual keys, read again when their configuration changes: an added, removed or changed key applies
/// to the next request; a change that does not validate is logged (event 81) and the last good keys stay, as the router does
/// with its own configuration.
/// </summary>
/// <remarks>Thread-safe: requests read the current keys with one volatile read; reloads are serialised.</remarks>
internal sealed partial class GatewayKeySource : IDisposable
{
    private readonly Func<LlmRouterGatewayOptions> _read;
    private readonly ILogger _logger;
    private readonly Lock _reloading = new();
    private readonly IDisposable? _watch;
    private VirtualKeys _current;

    /// <param name="read">Reads the options afresh (configuration, then the application's code).</param>
    /// <param name="changes">Produces the token that says the configuration changed; <see langword="null"/> when the keys are set in code only.</param>
    /// <param name="logger">Where reloads are logged.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The keys read at start are invalid.</exception>
    public GatewayKeySource(Func<LlmRouterGatewayOptions> read, Func<IChangeToken?>? changes, ILogger logger)
    {
        _read = read;
        _logger = logger;
        _current = new VirtualKeys(read());
        if (changes is not null)
        {
            _watch = ChangeToken.OnChange(changes, Reload);
        }
    }

    /// <summary>Gets the keys that serve the next request.</summary>
    public VirtualKeys Current => Volatile.Read(ref _current);

    /// <summary>Reads the keys again; keeps the current ones when the new ones do not validate.</summary>
    public void Reload()
    {
        lock (_reloading)
        {
            try
            {
                VirtualKeys next = new(_read());
                Volatile.Write(ref _current, next);
                KeysReloaded(_logger, next.Count);
            }
#pragma warning disable CA1031 // A bad change must never take the endpoint down: it is logged and the last good keys stay.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                KeysReloadRejected(_logger, exception);
            }
        }
    }

    public void Dispose() => _watch?.Dispose();

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Gateway keys reloaded: {Count} key(s).")]
    private static partial void KeysReloaded(ILogger logger, int count);

    [LoggerMessage(EventId = 81, Level = LogLevel.Error, Message = "Gateway key change ignored; the endpoint keeps its last valid keys.")]
    private static partial void KeysReloadRejected(ILogger logger, Exception exception);
}
