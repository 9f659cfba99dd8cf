namespace LlmRouter;

/// <summary>
/// Where the response cache's semantic lookups find stored answers by meaning: embeddings of the last user turn, grouped by a
/// fingerprint of everything else in the request. The answers themselves stay in the cache's <c>IDistributedCache</c>; an
/// index entry points at one by its key.
/// </summary>
/// <remarks>
/// The built-in index is in memory, per step, bounded by <see cref="ResponseCacheOptions.SemanticMaxEntries"/> and
/// <see cref="ResponseCacheOptions.SemanticMaxMegabytes"/>; register another implementation in the container to replace it.
/// Implementations must be thread-safe. A failure is treated by the cache as a miss.
/// </remarks>
public interface ISemanticCacheIndex
{
    /// <summary>Finds the stored answer nearest to <paramref name="embedding"/> among the entries of <paramref name="fingerprint"/>.</summary>
    /// <param name="fingerprint">The exact-match fingerprint of everything in the request but its last user turn.</param>
    /// <param name="embedding">The embedding of the last user turn.</param>
    /// <param name="threshold">The least cosine similarity that matches, from -1 to 1.</param>
    /// <param name="now">The current time; entries that expired at or before it never match.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The best match reaching <paramref name="threshold"/>, or <see langword="null"/>.</returns>
    ValueTask<SemanticCacheMatch?> FindAsync(string fingerprint, ReadOnlyMemory<float> embedding, double threshold, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Adds (or replaces) the entry pointing at the stored answer <paramref name="entryKey"/>.</summary>
    /// <param name="fingerprint">The exact-match fingerprint of everything in the request but its last user turn.</param>
    /// <param name="embedding">The embedding of the last user turn.</param>
    /// <param name="entryKey">The key of the stored answer in the cache's store.</param>
    /// <param name="expires">When the stored answer expires.</param>
    /// <param name="cancellationToken">Cancels the addition.</param>
    /// <returns>A task that completes when the entry is added.</returns>
    ValueTask AddAsync(string fingerprint, ReadOnlyMemory<float> embedding, string entryKey, DateTimeOffset expires, CancellationToken cancellationToken = default);
}
