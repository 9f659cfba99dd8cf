namespace LlmRouter;

/// <summary>A stored answer an <see cref="ISemanticCacheIndex"/> found near a request.</summary>
/// <param name="EntryKey">The key of the stored answer in the cache's store.</param>
/// <param name="Similarity">The cosine similarity between the request's last user turn and the stored one's.</param>
public readonly record struct SemanticCacheMatch(string EntryKey, double Similarity);
