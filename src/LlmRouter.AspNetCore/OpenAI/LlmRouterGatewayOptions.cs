using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;

namespace LlmRouter;

/// <summary>
/// Options of the OpenAI-compatible endpoint (<c>MapLlmRouterOpenAI</c>): who may call it and how large a request may be.
/// Bound from the <c>LlmRouter:Gateway</c> section by <c>AddLlmRouterGateway</c>, and validated at startup.
/// </summary>
/// <remarks>
/// Every request carries a key as <c>Authorization: Bearer &lt;key&gt;</c>. A key is found among <see cref="Keys"/> by the
/// SHA-256 of what the request presents, compared in constant time, then by <see cref="Authenticate"/> when set. With no key
/// found the request is refused with 401, unless it presents none and <see cref="AllowAnonymous"/> is on.
/// </remarks>
public sealed class LlmRouterGatewayOptions
{
    /// <summary>The default of <see cref="MaxRequestBodySize"/>: 4 MiB, room for a few images as data URIs.</summary>
    public const long DefaultMaxRequestBodySize = 4 * 1024 * 1024;

    /// <summary>The caller a request without a key runs as when <see cref="AllowAnonymous"/> is on.</summary>
    public const string AnonymousCaller = "anonymous";

    /// <summary>Gets the virtual keys by name (case-insensitive).</summary>
    public IDictionary<string, GatewayKeyOptions> Keys { get; } = new Dictionary<string, GatewayKeyOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets whether a request that presents no key is served, as caller <see cref="AnonymousCaller"/> on every route.</summary>
    /// <value>The default is <see langword="false"/>: without a key, 401.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>Gets or sets the largest request body accepted, in bytes; a larger one is refused with 413.</summary>
    /// <value>The default is <see cref="DefaultMaxRequestBodySize"/> (4 MiB). Valid from 1,024.</value>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodySize { get; set; } = DefaultMaxRequestBodySize;

    /// <summary>
    /// Gets or sets a callback that resolves a key not found among <see cref="Keys"/> (from a database, say): it receives the
    /// presented key and the request and returns the key's grant, or <see langword="null"/> to refuse it with 401.
    /// </summary>
    /// <value>The default is <see langword="null"/>: only <see cref="Keys"/> are known.</value>
    public Func<string, HttpContext, ValueTask<GatewayKey?>>? Authenticate { get; set; }
}
