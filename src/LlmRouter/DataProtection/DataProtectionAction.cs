namespace LlmRouter;

/// <summary>What the router does with a request whose messages hold sensitive data (<see cref="DataProtectionOptions.Action"/>).</summary>
public enum DataProtectionAction
{
    /// <summary>Nothing: messages are not scanned.</summary>
    Allow,

    /// <summary>
    /// Each finding is replaced by a typed placeholder (<c>[EMAIL_1]</c>, <c>[CARD_1]</c>) before a call to a deployment that is
    /// not <see cref="DeploymentOptions.Trusted"/>, and put back in the answer before the caller sees it. Trusted deployments
    /// receive the original text.
    /// </summary>
    Redact,

    /// <summary>
    /// A request with findings is served only by trusted deployments; when none can serve it, the request fails with an
    /// <see cref="LlmRouterException"/> that names the kinds found.
    /// </summary>
    TrustedOnly,

    /// <summary>A request with findings fails before any call with a <see cref="SensitiveDataException"/>.</summary>
    Block,
}
