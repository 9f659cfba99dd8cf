using System.Reflection;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>
/// The options a deployment receives when the caller's set nothing but the route's name: a fresh object with the
/// deployment's model (no <see cref="ChatOptions.Clone"/>), and only then.
/// </summary>
public class ForwardedOptionsTests
{
    private static readonly Deployment Deployment = new LlmRouterBuilder()
        .AddDeployment("a", new ScriptedChatClient("acme", "acme-model"), d => d.Model = "a-model")
        .BuildModel(previous: null).Deployments[0];

    [Fact]
    public void Forward_OnlyTheRoutesName_FreshOptionsWithTheDeploymentsModel()
    {
        var options = new ChatOptions { ModelId = "default" };

        ChatOptions forwarded = RequestProperties.Forward(options, Deployment)!;

        Assert.NotSame(options, forwarded);
        Assert.Equal("a-model", forwarded.ModelId);
        Assert.True(RequestProperties.OnlyModelId(forwarded));
        Assert.Equal("default", options.ModelId);
    }

    [Fact]
    public void OnlyModelId_EveryOtherPropertyOfChatOptions_SetOneAtATime_IsFalseAndTheCopyKeepsIt()
    {
        PropertyInfo[] properties = typeof(ChatOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.NotEmpty(properties);
        foreach (PropertyInfo property in properties)
        {
            if (property.Name == nameof(ChatOptions.ModelId))
            {
                continue;
            }

            var options = new ChatOptions { ModelId = "default" };
            object value = SampleValue(property);
            property.SetValue(options, value);

            Assert.False(RequestProperties.OnlyModelId(options), $"ChatOptions.{property.Name} set, yet the options were taken for the route's name alone.");
            ChatOptions forwarded = RequestProperties.Forward(options, Deployment)!;
            Assert.Equal("a-model", forwarded.ModelId);
            Assert.NotNull(property.GetValue(forwarded));
        }
    }

    [Fact]
    public void OnlyModelId_DerivedOptionsType_IsFalseSoTheCopyKeepsItsType()
    {
        var options = new DerivedOptions { ModelId = "default" };

        ChatOptions forwarded = RequestProperties.Forward(options, Deployment)!;

        Assert.False(RequestProperties.OnlyModelId(options));
        Assert.IsType<DerivedOptions>(forwarded);
        Assert.Equal("a-model", forwarded.ModelId);
    }

    /// <summary>A value for each property <see cref="ChatOptions"/> has; a property added to it fails here until it is known.</summary>
    private static object SampleValue(PropertyInfo property) => property.Name switch
    {
        nameof(ChatOptions.ConversationId) => "conversation",
        nameof(ChatOptions.Instructions) => "Be brief.",
        nameof(ChatOptions.Temperature) => 0.5f,
        nameof(ChatOptions.MaxOutputTokens) => 100,
        nameof(ChatOptions.TopP) => 0.9f,
        nameof(ChatOptions.TopK) => 40,
        nameof(ChatOptions.FrequencyPenalty) => 0.1f,
        nameof(ChatOptions.PresencePenalty) => 0.1f,
        nameof(ChatOptions.Seed) => 7L,
        nameof(ChatOptions.Reasoning) => new ReasoningOptions(),
        nameof(ChatOptions.ResponseFormat) => ChatResponseFormat.Json,
        nameof(ChatOptions.StopSequences) => new List<string> { "END" },
        nameof(ChatOptions.AllowMultipleToolCalls) => true,
        nameof(ChatOptions.ToolMode) => ChatToolMode.Auto,
        nameof(ChatOptions.Tools) => new List<AITool> { AIFunctionFactory.Create(() => 1, "one") },
        nameof(ChatOptions.AllowBackgroundResponses) => true,
        nameof(ChatOptions.ContinuationToken) => ResponseContinuationToken.FromBytes(new byte[] { 1, 2, 3 }),
        nameof(ChatOptions.RawRepresentationFactory) => new Func<IChatClient, object?>(_ => null),
        nameof(ChatOptions.AdditionalProperties) => new AdditionalPropertiesDictionary { ["seed_hint"] = 7 },
        _ => throw new InvalidOperationException(
            $"ChatOptions has a property RequestProperties.OnlyModelId does not check: {property.Name}. Check it there and give it a value here."),
    };

    private sealed class DerivedOptions : ChatOptions
    {
        public DerivedOptions()
        {
        }

        private DerivedOptions(DerivedOptions other)
            : base(other)
        {
        }

        public override ChatOptions Clone() => new DerivedOptions(this);
    }
}
