namespace LlmRouter;

/// <summary>The response cache's settings as they apply to one route: <see cref="ResponseCacheOptions"/> with the route's overrides.</summary>
internal sealed record CachePolicy(bool Enabled, TimeSpan Ttl, ResponseCacheScope Scope, bool CacheToolCalls, bool Semantic = false, double SimilarityThreshold = ResponseCacheConstants.DefaultSimilarityThreshold);
