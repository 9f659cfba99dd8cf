using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing;

/// <summary>The response properties on their own: the per-route template, what is added when, and annotating a provider's response.</summary>
public class RouterPropertyBagTests
{
    private static RouterModel Plain() => new LlmRouterBuilder()
        .AddUnit("a", provider: "acme")
        .AddDeployment("b", new ScriptedChatClient(defaultModelId: null))
        .AddRoute("main", r => r.Deployments = ["a", "b"])
        .Model();

    private static Attempt AttemptOf(RouterRequest request, Deployment deployment, Route? route = null)
    {
        request.CountAttempt();
        Attempt attempt = default;
        attempt.Begin(new Candidate(deployment, route ?? request.Requested, default, NeedsSlot: false), charges: null, default, startedAt: 0, timer: null, CancellationToken.None, request, streaming: false);
        return attempt;
    }

    private static Dictionary<string, object?> Sorted(AdditionalPropertiesDictionary properties) =>
        properties.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static Dictionary<string, object?> Required(string route, string deployment, string provider, int attempts) => new(StringComparer.Ordinal)
    {
        [LlmRouterProperties.Route] = route,
        [LlmRouterProperties.Deployment] = deployment,
        [LlmRouterProperties.Provider] = provider,
        [LlmRouterProperties.Attempts] = attempts,
    };

    [Fact]
    public void Create_FirstAttemptServedNothingElse_HasOnlyTheFourRequiredProperties()
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment("a"));

        AdditionalPropertiesDictionary properties = RouterPropertyBag.Create(attempt, request, cost: null);

        Assert.Equal(Required("main", "a", "acme", 1), Sorted(properties));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(31)]
    [InlineData(40)]
    public void Create_SeveralAttempts_ReplacesTheTemplatesCountOnlyInTheResponse(int attempts)
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment("a"));
        for (int i = 1; i < attempts; i++)
        {
            request.CountAttempt();
        }

        AdditionalPropertiesDictionary properties = RouterPropertyBag.Create(attempt, request, cost: null);

        Assert.Equal(Required("main", "a", "acme", attempts), Sorted(properties));
        Assert.Equal(1, request.Requested.PropertyTemplate(model.Deployment("a"))[LlmRouterProperties.Attempts]);
    }

    [Fact]
    public void Create_EveryOptionalPropertyPresent_AddsEachOne()
    {
        RouterModel model = new LlmRouterBuilder()
            .AddComplexityScorer(new RoutingUnits.FixedScorer(12, ComplexityTier.Simple))
            .AddUnit("a", d => d.Price = new ModelPrice(1m, 2m), provider: "acme")
            .AddUnit("b", d => d.Price = new ModelPrice(1m, 2m))
            .AddUnit("c", d => d.Price = new ModelPrice(0.1m, 0.2m))
            .AddRoute("v1", r => r.Deployments = ["a"])
            .AddRoute("v2", r => r.Deployments = ["b"])
            .AddRoute("cheap", r => r.Deployments = ["c"])
            .AddRoute("ab", r => r.Variants = new Dictionary<string, double> { ["v1"] = 1, ["v2"] = 0 })
            .AddRoute("smart", r => { r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "ab" }; r.ComplexityScorer = "fixed"; })
            .AddBudget("monthly", b => { b.LimitUsd = 10m; b.Window = BudgetWindow.Month; b.OnExceeded = BudgetExceededAction.Downgrade; b.DowngradeTo = "cheap"; })
            .Model();
        RouterRequest request = model.Begin("smart");
        Deployment a = model.Deployment("a");
        Deployment b = model.Deployment("b");
        request.AddFailure(new RouterAttempt(1, "v1", a, new ProviderError(ProviderErrorKind.ServerError, 500), TimeSpan.FromSeconds(1), new InvalidOperationException("boom")));
        request.AddFailure(new RouterAttempt(2, "v2", b, new ProviderError(ProviderErrorKind.Timeout), TimeSpan.FromSeconds(2), new TimeoutException()));
        request.Downgrade(model.Cost.Budgets[0]);
        Attempt attempt = AttemptOf(request, model.Deployment("c"));

        AdditionalPropertiesDictionary properties = RouterPropertyBag.Create(attempt, request, cost: 0.0123m);

        Dictionary<string, object?> expected = Required("cheap", "c", "scripted", 1);
        expected[LlmRouterProperties.FallbackReasons] = "a: ServerError, HTTP 500; b: Timeout";
        expected[LlmRouterProperties.CostUsd] = 0.0123m;
        expected[LlmRouterProperties.Tier] = "simple";
        expected[LlmRouterProperties.Complexity] = 12;
        expected[LlmRouterProperties.Variant] = "v1";
        expected[LlmRouterProperties.DowngradedBy] = "monthly";
        Assert.Equal(expected, Sorted(properties));
    }

    [Fact]
    public void Create_TwoResponses_EachGetsItsOwnDictionaryAndTheTemplateStaysAsBuilt()
    {
        RouterModel model = Plain();
        Deployment a = model.Deployment("a");
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, a);
        Dictionary<string, object?> template = request.Requested.PropertyTemplate(a);

        AdditionalPropertiesDictionary first = RouterPropertyBag.Create(attempt, request, cost: null);
        first[LlmRouterProperties.Route] = "changed";
        first["caller.note"] = "mine";
        first.Remove(LlmRouterProperties.Provider);
        request.CountAttempt();
        AdditionalPropertiesDictionary second = RouterPropertyBag.Create(attempt, request, cost: 1m);

        Assert.NotSame(first, second);
        Assert.Same(template, request.Requested.PropertyTemplate(a));
        Assert.Equal(Required("main", "a", "acme", 1), template.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal));
        Dictionary<string, object?> expected = Required("main", "a", "acme", 2);
        expected[LlmRouterProperties.CostUsd] = 1m;
        Assert.Equal(expected, Sorted(second));
    }

    [Fact]
    public void PropertyTemplate_EachDeploymentOfTheRoute_HasItsOwn()
    {
        RouterModel model = Plain();
        Route main = model.FindRoute("main")!;

        Dictionary<string, object?> a = main.PropertyTemplate(model.Deployment("a"));
        Dictionary<string, object?> b = main.PropertyTemplate(model.Deployment("b"));

        Assert.Equal(Required("main", "a", "acme", 1), a.ToDictionary(StringComparer.Ordinal));
        Assert.Equal(Required("main", "b", "scripted", 1), b.ToDictionary(StringComparer.Ordinal));
    }

    [Fact]
    public void Create_KeysDifferingInCase_FoundAndReplacedLikeAdditionalPropertiesDictionary()
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment("a"));

        AdditionalPropertiesDictionary properties = RouterPropertyBag.Create(attempt, request, cost: null);
        properties["LLMROUTER.ATTEMPTS"] = 9;

        Assert.Equal("a", properties["LLMROUTER.DEPLOYMENT"]);
        Assert.True(properties.TryGetValue("LlmRouter.Route", out object? route));
        Assert.Equal("main", route);
        Assert.Equal(4, properties.Count);
        Assert.Equal(9, properties[LlmRouterProperties.Attempts]);
    }

    [Fact]
    public void Annotate_ResponseWithProviderProperties_AddsToThemInPlaceAndKeepsTheProvidersKeys()
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment("a"));
        var own = new AdditionalPropertiesDictionary { ["provider.request_id"] = "req-1", ["LLMROUTER.ROUTE"] = "spoofed" };
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi")) { AdditionalProperties = own };

        RouterPropertyBag.Annotate(response, attempt, request, cost: 0.5m);

        Assert.Same(own, response.AdditionalProperties);
        Assert.Equal(6, own.Count);
        Assert.Equal("req-1", own["provider.request_id"]);
        Assert.Equal("main", own[LlmRouterProperties.Route]);
        Assert.Equal(((object)"a", (object)"acme", (object)1, (object)0.5m), (own[LlmRouterProperties.Deployment], own[LlmRouterProperties.Provider], own[LlmRouterProperties.Attempts], own[LlmRouterProperties.CostUsd]));
        Assert.False(own.ContainsKey(LlmRouterProperties.FallbackReasons));
    }

    [Fact]
    public void Annotate_ResponseWithoutProperties_GetsWhatCreateGives()
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment("a"));
        request.CountAttempt();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi"));

        RouterPropertyBag.Annotate(response, attempt, request, cost: null);

        Assert.Equal(Sorted(RouterPropertyBag.Create(attempt, request, cost: null)), Sorted(response.AdditionalProperties!));
        Assert.Equal(Required("main", "a", "acme", 2), Sorted(response.AdditionalProperties!));
    }

    [Theory]
    [InlineData("a", "provider-model-2026", "provider-model-2026")]
    [InlineData("a", null, "a-model")]
    [InlineData("b", null, null)]
    public void Annotate_ModelId_SetOnlyWhenTheProviderDidNot(string deployment, string? reported, string? expected)
    {
        RouterModel model = Plain();
        RouterRequest request = model.Begin("main");
        Attempt attempt = AttemptOf(request, model.Deployment(deployment));
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi")) { ModelId = reported };

        RouterPropertyBag.Annotate(response, attempt, request, cost: null);

        Assert.Equal(expected, response.ModelId);
    }
}
