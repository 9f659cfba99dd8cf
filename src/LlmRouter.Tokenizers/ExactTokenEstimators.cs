namespace LlmRouter;

/// <summary>
/// Exact input token counts for OpenAI models, in the spirit of <see cref="TokenEstimators"/>: an <see cref="ITokenEstimator"/> to
/// pass to <see cref="LlmRouterBuilder.UseTokenEstimator"/> when the estimate's error (see the README's "Cost" section) matters,
/// for example for context windows filled close to their limit.
/// </summary>
public static class ExactTokenEstimators
{
    /// <summary>The <see cref="ITokenEstimator.Name"/> of the estimators this class makes.</summary>
    public const string Tiktoken = "Tiktoken";

    /// <summary>
    /// Makes an estimator that counts text with the tokenizer of OpenAI's model family: o200k_base for GPT-4o, GPT-4.1, GPT-4.5,
    /// GPT-5, GPT-6 and the o-series, cl100k_base for GPT-4 and GPT-3.5.
    /// </summary>
    /// <param name="model">
    /// The model whose tokenizer to use for every request, for a router whose deployments share one family; or
    /// <see langword="null"/> (the default) to count each request with the tokenizer of the deployment's model that will serve
    /// it (see the remarks), and, used outside a router, with that of <c>ChatOptions.ModelId</c> when it names such a model.
    /// </param>
    /// <param name="fallback">
    /// The estimator for requests whose model's tokenizer is not known here (other providers' models, route names);
    /// <see langword="null"/> (the default) means <see cref="TokenEstimators.Default"/>.
    /// </param>
    /// <returns>The estimator; thread-safe and shareable between routers.</returns>
    /// <remarks>
    /// Given to a router (<see cref="LlmRouterBuilder.UseTokenEstimator"/>) without a model, it counts per deployment
    /// (<see cref="ITokenEstimator.ForModel"/>): a request is counted with o200k for the deployments of GPT-4o and later models,
    /// with cl100k for those of GPT-4 and GPT-3.5, and by the fallback for every other deployment (Claude, Gemini, …), each count
    /// made once per request; the context-window filter, price tiers, <c>MaxPrice</c>, <c>Cheapest</c> and budget reservations
    /// each use the count of the deployment they judge. Counting is exact for text and tool schemas; message framing, tools and media add the same fixed figures as
    /// the default estimate. Counting allocates (the tokenizer's work) and is slower than the estimate. The encodings are loaded on
    /// first use.
    /// </remarks>
    public static ITokenEstimator Create(string? model = null, ITokenEstimator? fallback = null) =>
        new TiktokenTokenEstimator(model, fallback ?? TokenEstimators.Default);

    /// <summary>Tells whether <paramref name="model"/> belongs to a family whose tokenizer <see cref="Create"/> uses exactly.</summary>
    /// <param name="model">A model id such as <c>gpt-4o-mini</c> or <c>openai/gpt-6.1-sol</c>.</param>
    /// <returns><see langword="true"/> for OpenAI GPT-3.5, GPT-4 and later and o-series models.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    public static bool IsKnown(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return TiktokenTokenEstimator.TokenizerFor(model) is not null;
    }
}
