namespace LlmRouter;

/// <summary>Defaults and limits of the response cache.</summary>
internal static class ResponseCacheConstants
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(365);

    public const double DefaultSimilarityThreshold = 0.97;

    public const int DefaultSemanticMaxEntries = 10_000;

    public const int DefaultSemanticMaxMegabytes = 256;

    /// <summary>The start of every key: the library, and the version of the key's canonical form and of the entry's layout.</summary>
    public const string KeyPrefix = "llmrouter:cache:v2:";

    /// <summary>The request directive that neither reads nor stores.</summary>
    public const string NoStore = "no-store";

    /// <summary>The request directive that calls the router and stores the fresh answer, whatever is stored.</summary>
    public const string NoCache = "no-cache";
}
