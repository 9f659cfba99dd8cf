using System.Globalization;
using System.Text;

namespace LlmRouter;

/// <summary>
/// A candidate a filter kept from a request, and why: recorded as plain values on the hot path and turned into text only
/// when the request fails and its error lists what was not tried.
/// </summary>
internal readonly record struct Exclusion(
    Deployment Deployment,
    ExclusionKind Kind,
    bool ByRequest = false,
    string? Name = null,
    string[]? Names = null,
    ModelCapabilities Missing = ModelCapabilities.None,
    int Tokens = 0,
    int Output = 0,
    PriceLimit? Limit = null)
{
    /// <summary>Describes the exclusion for the final error, for example <c>mini (lacks Vision, which the request needs)</c>.</summary>
    public string Describe()
    {
        string by = ByRequest ? "the request" : "the route";
        var text = new StringBuilder(Deployment.Name).Append(" (");
        switch (Kind)
        {
            case ExclusionKind.MissingCapability:
                text.Append("lacks ").Append(JoinCapabilities(Missing)).Append(", which the request needs");
                break;
            case ExclusionKind.ContextWindow:
                text.Append(CultureInfo.InvariantCulture, $"context window of {Deployment.ContextWindow:N0} tokens is too small for the request's estimated {Tokens:N0} input tokens");
                if (Output > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $" plus {Output:N0} output tokens");
                }

                break;
            case ExclusionKind.MissingTag:
                text.Append("lacks tag '").Append(Name).Append("', which ").Append(by).Append(" requires");
                break;
            case ExclusionKind.ExcludedTag:
                text.Append("has tag '").Append(Name).Append("', which ").Append(by).Append(" excludes");
                break;
            case ExclusionKind.ProviderNotAllowed:
                text.Append("provider '").Append(Deployment.Provider).Append("' is not among the providers ").Append(by).Append(" allows: ")
                    .Append(string.Join(", ", Names ?? []));
                break;
            case ExclusionKind.ProviderDenied:
                text.Append("provider '").Append(Deployment.Provider).Append("' is denied by ").Append(by);
                break;
            case ExclusionKind.AboveMaxPrice:
                ModelPrice price = Deployment.Price!;
                text.Append("price of ").Append(BudgetExceededException.Usd(price.Input)).Append(" in, ")
                    .Append(BudgetExceededException.Usd(price.Output)).Append(" out per million tokens is above ").Append(ByRequest ? "the request's" : "the route's")
                    .Append(" MaxPrice of ")
                    .Append(Limit?.Input is { } input ? BudgetExceededException.Usd(input) : "any").Append(" in, ")
                    .Append(Limit?.Output is { } output ? BudgetExceededException.Usd(output) : "any").Append(" out");
                break;
            case ExclusionKind.NoKnownPrice:
                text.Append("has no known price, and ").Append(by).Append(" sets a MaxPrice");
                break;
            case ExclusionKind.RegionNotAllowed:
                text.Append("region '").Append(Deployment.Region).Append("' is not among the regions ").Append(by).Append(" allows: ")
                    .Append(string.Join(", ", Names ?? []));
                break;
            case ExclusionKind.NoRegion:
                text.Append("has no Region, and ").Append(by).Append(" allows only: ").Append(string.Join(", ", Names ?? []));
                break;
            case ExclusionKind.NotRequested:
                text.Append("not the deployment the request names: ").Append(string.Join(", ", Names ?? []));
                break;
            case ExclusionKind.LowQuality:
                text.Append("set aside by the route for low quality: ").Append(Name);
                break;
            case ExclusionKind.Untrusted:
                text.Append("not trusted, and the request holds sensitive data (").Append(string.Join(", ", Names ?? []))
                    .Append(") that its data protection keeps on trusted deployments");
                break;
        }

        return text.Append(')').ToString();
    }

    private static string JoinCapabilities(ModelCapabilities capabilities)
    {
        var names = new List<string>();
        foreach (ModelCapabilities capability in (ReadOnlySpan<ModelCapabilities>)[ModelCapabilities.Tools, ModelCapabilities.Vision, ModelCapabilities.JsonSchema, ModelCapabilities.Reasoning])
        {
            if ((capabilities & capability) != 0)
            {
                names.Add(capability.ToString());
            }
        }

        return names.Count switch
        {
            1 => names[0],
            _ => string.Join(", ", names[..^1]) + " and " + names[^1],
        };
    }
}
