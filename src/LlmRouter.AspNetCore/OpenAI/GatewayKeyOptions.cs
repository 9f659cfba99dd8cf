using System.Security.Cryptography;
using System.Text;

namespace LlmRouter;

/// <summary>One virtual key of the OpenAI-compatible endpoint, as configured at <c>LlmRouter:Gateway:Keys:{name}</c>.</summary>
/// <remarks>The key itself is never stored: only its hash, which a request's key is hashed and compared against.</remarks>
public sealed class GatewayKeyOptions
{
    /// <summary>The prefix of <see cref="Hash"/>.</summary>
    public const string HashPrefix = "sha256:";

    /// <summary>Gets or sets <c>sha256:</c> followed by the lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    /// <value>Required; for example the output of <c>printf %s "$KEY" | sha256sum</c> after <c>sha256:</c>.</value>
    public string? Hash { get; set; }

    /// <summary>Gets or sets the caller the key's requests run as: the key of caller budgets and limits, and of the cache scope.</summary>
    /// <value>The default is <see langword="null"/>: the key's name.</value>
    public string? Caller { get; set; }

    /// <summary>Gets or sets the routes the key may use; a request for another route is refused with 403.</summary>
    /// <value>The default is <see langword="null"/>: every route.</value>
    public IList<string>? Routes { get; set; }

    /// <summary>Gets or sets the key's own spend limit, enforced by the router for the key's <see cref="Caller"/> alone.</summary>
    /// <value>The default is <see langword="null"/>: only the router's own budgets apply.</value>
    public GatewayKeyBudget? Budget { get; set; }

    /// <summary>Gets or sets the key's own rate limit, enforced by the router for the key's <see cref="Caller"/> alone.</summary>
    /// <value>The default is <see langword="null"/>: only the router's own rate limits apply.</value>
    public GatewayKeyRateLimit? RateLimit { get; set; }

    /// <summary>Returns the <see cref="Hash"/> of a key: <c>sha256:</c> and the lower-case hex SHA-256 of its UTF-8 bytes.</summary>
    /// <param name="key">The key, as clients will send it.</param>
    /// <returns>The value to configure as <see cref="Hash"/>.</returns>
    public static string HashOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
