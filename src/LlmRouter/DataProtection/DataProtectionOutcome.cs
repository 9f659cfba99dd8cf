namespace LlmRouter;

/// <summary>
/// What data protection found in a request and what follows: the router carries it in the request's
/// <see cref="LlmRouterRequestProperties.DataProtection"/> entry, the candidate filter reads it for
/// <see cref="DataProtectionAction.TrustedOnly"/>, the redaction step for <see cref="DataProtectionAction.Redact"/>, and the
/// response reports it. Immutable.
/// </summary>
internal sealed class DataProtectionOutcome
{
    public DataProtectionOutcome(DataProtectionAction action, IReadOnlyList<SensitiveDataFinding> findings, RedactedRequest? redaction)
    {
        Action = action;
        Findings = findings;
        Redaction = redaction;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var kinds = new List<string>();
        foreach (SensitiveDataFinding finding in findings)
        {
            if (counts.TryGetValue(finding.Kind, out int count))
            {
                counts[finding.Kind] = count + 1;
            }
            else
            {
                counts[finding.Kind] = 1;
                kinds.Add(finding.Kind);
            }
        }

        Kinds = [.. kinds];
        Report = new DataProtectionReport(action, counts);
    }

    public DataProtectionAction Action { get; }

    public IReadOnlyList<SensitiveDataFinding> Findings { get; }

    /// <summary>Gets the kinds found, each once, in the order first found.</summary>
    public string[] Kinds { get; }

    /// <summary>Gets the redacted request, for <see cref="DataProtectionAction.Redact"/> with findings; otherwise <see langword="null"/>.</summary>
    public RedactedRequest? Redaction { get; }

    public DataProtectionReport Report { get; }

    /// <summary>Gets whether only trusted deployments may serve the request.</summary>
    public bool TrustedOnly => Action == DataProtectionAction.TrustedOnly && Findings.Count > 0;

    /// <summary>Checks whether <paramref name="outcome"/> keeps the request from an untrusted <paramref name="deployment"/>; on exclusion, says why.</summary>
    public static bool KeepsFrom(Deployment deployment, DataProtectionOutcome? outcome, out Exclusion exclusion)
    {
        if (outcome is { TrustedOnly: true } && !deployment.Trusted)
        {
            exclusion = new Exclusion(deployment, ExclusionKind.Untrusted, ByRequest: true, Names: outcome.Kinds);
            return true;
        }

        exclusion = default;
        return false;
    }

    /// <summary>The error for a request that sets a data protection action on a router where no route protects data.</summary>
    public static ArgumentException NotConfigured(string key) => new(
        $"ChatOptions.AdditionalProperties['{key}'] needs data protection on at least one route of the router (RouteOptions.DataProtection, " +
        "configuration Routes:{name}:DataProtection), which readies untrusted deployments for redaction; no route has it.",
        "options");
}
