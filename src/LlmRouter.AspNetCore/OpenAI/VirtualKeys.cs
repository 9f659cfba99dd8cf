using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace LlmRouter;

/// <summary>
/// Finds the grant of a request's bearer key: the key is hashed with SHA-256 and compared with every configured hash in
/// constant time, so neither the key nor how close a guess came shows in timing; then the user's callback, when set.
/// </summary>
/// <remarks>Immutable and thread-safe. Holds hashes only, never a key.</remarks>
internal sealed class VirtualKeys
{
    /// <summary>Keys up to this many UTF-8 bytes are hashed from the stack; longer ones from a pooled buffer.</summary>
    private const int StackKeyBytes = 512;

    private static readonly GatewayKey Anonymous = new(LlmRouterGatewayOptions.AnonymousCaller, LlmRouterGatewayOptions.AnonymousCaller);

    private readonly (byte[] Hash, GatewayKey Grant)[] _keys;
    private readonly bool _allowAnonymous;
    private readonly Func<string, HttpContext, ValueTask<GatewayKey?>>? _authenticate;

    public VirtualKeys(LlmRouterGatewayOptions options)
    {
        GatewayOptionsValidation.ThrowIfInvalid(options);
        _allowAnonymous = options.AllowAnonymous;
        _authenticate = options.Authenticate;
        MaxRequestBodySize = options.MaxRequestBodySize;
        _keys = new (byte[], GatewayKey)[options.Keys.Count];
        int i = 0;
        foreach (KeyValuePair<string, GatewayKeyOptions> pair in options.Keys)
        {
            byte[] hash = Convert.FromHexString(pair.Value.Hash.AsSpan(GatewayKeyOptions.HashPrefix.Length));
            string[]? routes = pair.Value.Routes is { } list ? [.. list] : null;
            _keys[i++] = (hash, new GatewayKey(pair.Key, string.IsNullOrWhiteSpace(pair.Value.Caller) ? pair.Key : pair.Value.Caller, routes));
        }
    }

    /// <summary>Gets the largest request body accepted with these keys, in bytes; it reloads with them.</summary>
    public long MaxRequestBodySize { get; }

    /// <summary>Gets how many keys are configured.</summary>
    public int Count => _keys.Length;

    /// <summary>Finds the request's grant, or returns <see langword="null"/> when the request must be refused with 401.</summary>
    public ValueTask<GatewayKey?> AuthenticateAsync(HttpContext context)
    {
        string? authorization = context.Request.Headers[HeaderNames.Authorization];
        if (string.IsNullOrEmpty(authorization))
        {
            return new(_allowAnonymous ? Anonymous : null);
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
        {
            return new((GatewayKey?)null);
        }

        ReadOnlySpan<char> key = authorization.AsSpan(7).Trim();
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        int length = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = length > StackKeyBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> bytes = rented ?? stackalloc byte[StackKeyBytes];
        int written = Encoding.UTF8.GetBytes(key, bytes);
        SHA256.HashData(bytes[..written], hash);
        CryptographicOperations.ZeroMemory(bytes[..written]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        // Every hash is compared, so the time taken does not say which key (or whether any) matched.
        GatewayKey? found = null;
        foreach ((byte[] expected, GatewayKey grant) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(expected, hash))
            {
                found = grant;
            }
        }

        if (found is not null || _authenticate is null)
        {
            return new(found);
        }

        return _authenticate(key.ToString(), context);
    }
}
