using Microsoft.Extensions.Options;

namespace LlmRouter;

[OptionsValidator]
internal sealed partial class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
}
