using Microsoft.Extensions.Options;

namespace LlmRouter;

[OptionsValidator]
internal sealed partial class LatencyTargetOptionsValidator : IValidateOptions<LatencyTargetOptions>
{
}
