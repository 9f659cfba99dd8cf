namespace LlmRouter;

/// <summary>Why a filter kept a candidate from a request.</summary>
internal enum ExclusionKind
{
    MissingCapability,
    ContextWindow,
    MissingTag,
    ExcludedTag,
    ProviderNotAllowed,
    ProviderDenied,
    AboveMaxPrice,
    NoKnownPrice,
    RegionNotAllowed,
    NoRegion,
    Untrusted,
    LowQuality,
    NotRequested,
}
