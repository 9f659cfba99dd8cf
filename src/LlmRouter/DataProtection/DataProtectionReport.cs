using System.Globalization;
using System.Text;

namespace LlmRouter;

/// <summary>
/// What data protection did for a request, set as <see cref="LlmRouterProperties.DataProtection"/> on the response: the action
/// and how many findings of each kind; never the values. Immutable.
/// </summary>
public sealed class DataProtectionReport
{
    internal DataProtectionReport(DataProtectionAction action, IReadOnlyDictionary<string, int> counts)
    {
        Action = action;
        Counts = counts;
    }

    /// <summary>Gets the action applied to the request.</summary>
    public DataProtectionAction Action { get; }

    /// <summary>Gets how many findings of each kind the request held; empty when it held none.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>Returns the action and counts, for example <c>Redact: Card 1, Email 2</c>.</summary>
    /// <returns>The report as text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Action.ToString()).Append(':');
        if (Counts.Count == 0)
        {
            return text.Append(" nothing found").ToString();
        }

        string separator = " ";
        foreach (KeyValuePair<string, int> count in Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(separator).Append(count.Key).Append(' ').Append(count.Value.ToString(CultureInfo.InvariantCulture));
            separator = ", ";
        }

        return text.ToString();
    }
}
