using System.Buffers;
using System.Numerics.Tensors;

namespace LlmRouter;

/// <summary>
/// The built-in <see cref="ISemanticCacheIndex"/>: embeddings in memory, normalized when added so a lookup is vectorized dot
/// products (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>) over the entries of the fingerprint,
/// bounded by entries and bytes with the least recently used entry evicted first.
/// </summary>
/// <remarks>
/// <para>
/// A lookup over many entries is bound by memory, not arithmetic: 10,000 embeddings of 1,536 dimensions are 61 MB. So each
/// entry is first compared on its first <see cref="PrefixDimensions"/> dimensions only, and the rest of its vector is read only
/// when it could still match: by the Cauchy-Schwarz inequality the whole similarity is at most the prefix's dot product plus
/// the product of the two vectors' remaining norms (kept with each entry), and an entry whose bound falls below the threshold
/// (or the best match so far) cannot be the answer. The result is exactly that of comparing every whole vector; unrelated
/// entries, the great majority, cost a twelfth of the reads.
/// </para>
/// One lock guards the index: a lookup scans the fingerprint's entries and moves the match to the front of the recency list,
/// so readers mutate too. The lock is held only for the scan, which already costs far more than taking it.
/// </remarks>
internal sealed class InMemorySemanticCacheIndex : ISemanticCacheIndex
{
    /// <summary>What an entry costs besides its vector and key: the node, the entry object and the bucket's slot, roughly.</summary>
    private const long EntryOverhead = 128;

    /// <summary>How many leading dimensions every entry is compared on before the rest of it is read.</summary>
    private const int PrefixDimensions = 128;

    /// <summary>Room for rounding in the bound, so an entry at the threshold is never skipped for a float's last bits.</summary>
    private const double BoundSlack = 1e-5;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Entry>> _buckets = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private long _bytes;

    public InMemorySemanticCacheIndex(int maxEntries, long maxBytes)
    {
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
    }

    /// <summary>Gets how many entries the index holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _recency.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<SemanticCacheMatch?> FindAsync(string fingerprint, ReadOnlyMemory<float> embedding, double threshold, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        float norm = TensorPrimitives.Norm(embedding.Span);
        if (norm == 0 || !float.IsFinite(norm))
        {
            return default;
        }

        float[] query = ArrayPool<float>.Shared.Rent(embedding.Length);
        try
        {
            Span<float> unit = query.AsSpan(0, embedding.Length);
            TensorPrimitives.Divide(embedding.Span, norm, unit);
            return new ValueTask<SemanticCacheMatch?>(Find(fingerprint, unit, threshold, now.UtcTicks));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(query);
        }
    }

    /// <inheritdoc />
    public ValueTask AddAsync(string fingerprint, ReadOnlyMemory<float> embedding, string entryKey, DateTimeOffset expires, CancellationToken cancellationToken = default)
    {
        float norm = TensorPrimitives.Norm(embedding.Span);
        if (norm == 0 || !float.IsFinite(norm))
        {
            return default;
        }

        float[] vector = new float[embedding.Length];
        TensorPrimitives.Divide(embedding.Span, norm, vector);
        var entry = new Entry(fingerprint, vector, entryKey, expires.UtcTicks);
        lock (_gate)
        {
            if (!_buckets.TryGetValue(fingerprint, out List<Entry>? bucket))
            {
                bucket = [];
                _buckets[fingerprint] = bucket;
            }

            int existing = bucket.FindIndex(e => string.Equals(e.Key, entryKey, StringComparison.Ordinal));
            if (existing >= 0)
            {
                Remove(bucket, existing, bucket[existing]);
            }

            bucket.Add(entry);
            _recency.AddFirst(entry.Node);
            _bytes += entry.Bytes;
            while (_recency.Count > _maxEntries || (_bytes > _maxBytes && _recency.Count > 1))
            {
                Entry oldest = _recency.Last!.Value;
                List<Entry> oldestBucket = _buckets[oldest.Fingerprint];
                Remove(oldestBucket, oldestBucket.IndexOf(oldest), oldest);
                if (oldestBucket.Count == 0)
                {
                    _buckets.Remove(oldest.Fingerprint);
                }
            }
        }

        return default;
    }

    private SemanticCacheMatch? Find(string fingerprint, ReadOnlySpan<float> query, double threshold, long now)
    {
        int prefix = Math.Min(PrefixDimensions, query.Length);
        ReadOnlySpan<float> queryPrefix = query[..prefix];
        ReadOnlySpan<float> queryRest = query[prefix..];
        double queryRestNorm = TensorPrimitives.Norm(queryRest);
        lock (_gate)
        {
            if (!_buckets.TryGetValue(fingerprint, out List<Entry>? bucket))
            {
                return null;
            }

            Entry? best = null;
            double bestSimilarity = double.MinValue;
            for (int i = bucket.Count - 1; i >= 0; i--)
            {
                Entry entry = bucket[i];
                if (entry.Expires <= now)
                {
                    Remove(bucket, i, entry);
                    continue;
                }

                if (entry.Vector.Length != query.Length)
                {
                    continue;
                }

                double similarity = TensorPrimitives.Dot(queryPrefix, entry.Vector.AsSpan(0, prefix));
                if (similarity + (queryRestNorm * entry.RestNorm) + BoundSlack < Math.Max(threshold, bestSimilarity))
                {
                    // Whatever the rest of the vector holds, this entry cannot reach the threshold or beat the best so far.
                    continue;
                }

                similarity += TensorPrimitives.Dot(queryRest, entry.Vector.AsSpan(prefix));
                if (similarity > bestSimilarity)
                {
                    bestSimilarity = similarity;
                    best = entry;
                }
            }

            if (bucket.Count == 0)
            {
                _buckets.Remove(fingerprint);
            }

            if (best is null || bestSimilarity < threshold)
            {
                return null;
            }

            _recency.Remove(best.Node);
            _recency.AddFirst(best.Node);
            return new SemanticCacheMatch(best.Key, Math.Min(bestSimilarity, 1.0));
        }
    }

    private void Remove(List<Entry> bucket, int index, Entry entry)
    {
        // Order within a bucket does not matter: the last entry fills the gap.
        bucket[index] = bucket[^1];
        bucket.RemoveAt(bucket.Count - 1);
        _recency.Remove(entry.Node);
        _bytes -= entry.Bytes;
    }

    private sealed class Entry
    {
        public Entry(string fingerprint, float[] vector, string key, long expires)
        {
            Fingerprint = fingerprint;
            Vector = vector;
            Key = key;
            Expires = expires;
            Node = new LinkedListNode<Entry>(this);
            RestNorm = TensorPrimitives.Norm(vector.AsSpan(Math.Min(PrefixDimensions, vector.Length)));
            Bytes = EntryOverhead + (vector.Length * sizeof(float)) + (key.Length * sizeof(char));
        }

        public string Fingerprint { get; }

        public float[] Vector { get; }

        public string Key { get; }

        public long Expires { get; }

        public LinkedListNode<Entry> Node { get; }

        /// <summary>Gets the norm of the vector past its first <see cref="PrefixDimensions"/> dimensions, for the lookup's bound.</summary>
        public float RestNorm { get; }

        public long Bytes { get; }
    }
}
