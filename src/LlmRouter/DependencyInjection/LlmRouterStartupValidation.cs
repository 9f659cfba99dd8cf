using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRouter;

/// <summary>The options a router registration validates at host start (<c>ValidateOnStart</c>): building the router itself.</summary>
internal sealed class LlmRouterStartupCheck
{
}

/// <summary>
/// Builds a registered router when the host starts, so an invalid configuration stops the application at once with every
/// problem listed (as <see cref="OptionsValidationException"/> failures) instead of at the first request.
/// </summary>
internal sealed class LlmRouterStartupValidator(IServiceProvider services, string name, object? serviceKey, bool keyed) : IValidateOptions<LlmRouterStartupCheck>
{
    private static int s_registrations;

    /// <summary>Returns a name no other router registration uses.</summary>
    public static string NextName() => "LlmRouter#" + Interlocked.Increment(ref s_registrations).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ValidateOptionsResult Validate(string? optionsName, LlmRouterStartupCheck options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            _ = keyed ? services.GetRequiredKeyedService<IChatClient>(serviceKey) : services.GetRequiredService<IChatClient>();
            return ValidateOptionsResult.Success;
        }
        catch (LlmRouterConfigurationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Errors);
        }
    }
}
