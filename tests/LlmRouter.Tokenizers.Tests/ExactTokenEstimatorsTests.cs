using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace LlmRouter.Tokenizers.Tests;

public sealed class ExactTokenEstimatorsTests
{
    [Fact]
    public void Corpus_StoredCounts_AreTheRealO200kCounts()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "TokenCorpus");
        Dictionary<string, int> counts = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(directory, "o200k-counts.json")))!;
        Tokenizer o200k = TiktokenTokenizer.CreateForEncoding("o200k_base");

        Assert.True(counts.Count >= 32);
        foreach ((string name, int tokens) in counts)
        {
            Assert.True(tokens == o200k.CountTokens(File.ReadAllText(Path.Combine(directory, name + ".txt"))), name);
        }
    }

    [Theory]
    [InlineData("gpt-4o-mini", true)]
    [InlineData("openai/gpt-6.1-sol", true)]
    [InlineData("o3-mini", true)]
    [InlineData("gpt-4-turbo", true)]
    [InlineData("gpt-3.5-turbo", true)]
    [InlineData("claude-haiku-5-5", false)]
    [InlineData("fast", false)]
    public void IsKnown_ModelFamilies_OpenAIsOnly(string model, bool known) => Assert.Equal(known, ExactTokenEstimators.IsKnown(model));

    [Fact]
    public void Create_ForAnO200kModel_CountsTextExactlyPlusTheFixedOverheads()
    {
        const string Text = "The committee met on a grey Tuesday morning to decide whether the old railway bridge should be repaired.";
        int real = TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens(Text);

        int estimate = ExactTokenEstimators.Create("gpt-4o").EstimateInputTokens([new ChatMessage(ChatRole.User, Text)], null);

        Assert.Equal(real + 3 + 4, estimate);
    }

    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    public void Create_ToolCountedAgainAndChanged_CountsItsDefinitionExactlyEachTime(string model, string encoding)
    {
        Tokenizer tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        ChatMessage[] messages = [new(ChatRole.User, "Hi")];
        var tool = new DescribedTool("get_forecast", "Gets the weather forecast for a city.");
        var options = new ChatOptions { Tools = [tool] };
        ITokenEstimator estimator = ExactTokenEstimators.Create(model);
        int Expected() => 3 + 4 + tokenizer.CountTokens("Hi") + 8 + tokenizer.CountTokens(tool.Name)
            + tokenizer.CountTokens(tool.Description) + tokenizer.CountTokens(tool.JsonSchema.GetRawText());

        Assert.Equal(Expected(), estimator.EstimateInputTokens(messages, options));
        Assert.Equal(Expected(), estimator.EstimateInputTokens(messages, options));

        tool.Text = "Gets the weather forecast for a city, hour by hour, with rain, wind and temperature for each of the next days.";
        Assert.Equal(Expected(), estimator.EstimateInputTokens(messages, options));
    }

    [Fact]
    public void Create_Cl100kAndO200k_CountDifferentlyForNonEnglishText()
    {
        ChatMessage[] messages = [new(ChatRole.User, "近年来，随着人工智能技术的快速发展，越来越多的企业开始将大型语言模型应用于客户服务。")];

        int o200k = ExactTokenEstimators.Create("gpt-4o").EstimateInputTokens(messages, null);
        int cl100k = ExactTokenEstimators.Create("gpt-4").EstimateInputTokens(messages, null);

        Assert.True(cl100k > o200k, $"cl100k {cl100k}, o200k {o200k}");
    }

    [Fact]
    public void Create_UnknownModel_FallsBackToTheEstimate()
    {
        ChatMessage[] messages = [new(ChatRole.User, "Hello there, how are you today?")];
        var options = new ChatOptions { ModelId = "claude-haiku-5-5" };

        int exact = ExactTokenEstimators.Create().EstimateInputTokens(messages, options);

        Assert.Equal(TokenEstimators.Default.EstimateInputTokens(messages, options), exact);
        Assert.Equal(ExactTokenEstimators.Tiktoken, ExactTokenEstimators.Create().Name);
    }

    [Fact]
    public void Create_NoModelButARequestForAKnownOne_CountsWithThatModelsTokenizer()
    {
        const string Text = "Counting per request";
        int real = TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens(Text);

        int estimate = ExactTokenEstimators.Create().EstimateInputTokens([new ChatMessage(ChatRole.User, Text)], new ChatOptions { ModelId = "gpt-5.4" });

        Assert.Equal(real + 7, estimate);
    }

    [Fact]
    public void ForModel_KnownFamilies_CountWithTheirTokenizer_OthersWithTheFallback()
    {
        ChatMessage[] messages = [new(ChatRole.User, "近年来，随着人工智能技术的快速发展，越来越多的企业开始将大型语言模型应用于客户服务。")];
        ITokenEstimator exact = ExactTokenEstimators.Create();

        Assert.Equal(ExactTokenEstimators.Create("gpt-4o").EstimateInputTokens(messages, null), exact.ForModel("gpt-4o").EstimateInputTokens(messages, null));
        Assert.Equal(ExactTokenEstimators.Create("gpt-4").EstimateInputTokens(messages, null), exact.ForModel("gpt-4").EstimateInputTokens(messages, null));
        Assert.Same(exact.ForModel("gpt-4o"), exact.ForModel("openai/gpt-6.1-sol"));
        Assert.Same(TokenEstimators.Default, exact.ForModel("claude-haiku-5-5"));
        ITokenEstimator forOne = ExactTokenEstimators.Create("gpt-4");
        Assert.Same(forOne, forOne.ForModel("gpt-4o"));
    }

    [Fact]
    public async Task Router_ExactEstimatorWithoutAModel_JudgesEachDeploymentByItsModelsTokenizer()
    {
        // cl100k counts this text in more tokens than o200k: a window between the two counts fits only the GPT-4o deployment.
        ChatMessage[] messages = [new(ChatRole.User, "近年来，随着人工智能技术的快速发展，越来越多的企业开始将大型语言模型应用于客户服务。")];
        int o200k = ExactTokenEstimators.Create("gpt-4o").EstimateInputTokens(messages, null);
        int cl100k = ExactTokenEstimators.Create("gpt-4").EstimateInputTokens(messages, null);
        Assert.True(cl100k > o200k + 1, $"cl100k {cl100k}, o200k {o200k}");
        using IChatClient router = new LlmRouterBuilder()
            .UseTokenEstimator(ExactTokenEstimators.Create())
            .AddDeployment("gpt-4", new NamedClient("gpt-4"), d => { d.Model = "gpt-4"; d.ContextWindow = o200k + 1; })
            .AddDeployment("gpt-4o", new NamedClient("gpt-4o"), d => { d.Model = "gpt-4o"; d.ContextWindow = o200k + 1; })
            .AddRoute("main", r => r.Deployments = ["gpt-4", "gpt-4o"])
            .Build();

        ChatResponse response = await router.GetResponseAsync(messages, new ChatOptions { ModelId = "main", MaxOutputTokens = 1 });

        Assert.Equal("gpt-4o", response.Text);
    }

    /// <summary>A client that answers with its own name.</summary>
    private sealed class NamedClient(string name) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, name)) { FinishReason = ChatFinishReason.Stop });

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, name) { FinishReason = ChatFinishReason.Stop };
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>A function declaration whose description can change between requests.</summary>
    private sealed class DescribedTool(string name, string description) : AIFunctionDeclaration
    {
        private static readonly JsonElement Schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""").RootElement;

        public string Text { get; set; } = description;

        public override string Name => name;

        public override string Description => Text;

        public override JsonElement JsonSchema => Schema;
    }
}
