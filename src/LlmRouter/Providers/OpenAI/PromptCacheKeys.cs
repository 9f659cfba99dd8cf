using System.Security.Cryptography;
using System.Text;

namespace LlmRouter;

/// <summary>
/// The <c>prompt_cache_key</c> sent to providers that take one (<see cref="OpenAIQuirks.PromptCacheKey"/>): requests of one caller
/// share a key, so the provider routes them to the same prompt cache. The key is a hash of the caller key, never the key itself.
/// </summary>
internal static class PromptCacheKeys
{
    /// <summary>The request body field, and the additional property a caller sets to choose the key itself.</summary>
    public const string Property = "prompt_cache_key";

    private const string Prefix = "llmrouter-";

    /// <summary>
    /// The key of <paramref name="caller"/>: <c>llmrouter-</c> and the first 128 bits of the SHA-256 of the caller key (after a
    /// fixed label, so the value is not the plain hash of the caller key found elsewhere), in hexadecimal: 42 characters.
    /// </summary>
    public static string For(string caller)
    {
        int length = Encoding.UTF8.GetMaxByteCount(caller.Length) + Label.Length;
        byte[]? rented = length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> bytes = rented ?? stackalloc byte[512];
        try
        {
            Label.CopyTo(bytes);
            int written = Label.Length + Encoding.UTF8.GetBytes(caller, bytes[Label.Length..]);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], hash);
            return string.Create(Prefix.Length + 32, hash[..16], static (chars, digest) =>
            {
                Prefix.CopyTo(chars);
                Convert.TryToHexStringLower(digest, chars[Prefix.Length..], out _);
            });
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<byte> Label => "llmrouter.prompt_cache_key\n"u8;
}
