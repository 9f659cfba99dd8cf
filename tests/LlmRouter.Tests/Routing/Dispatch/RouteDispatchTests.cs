using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Routing.Dispatch;

/// <summary>Dispatch on its own: from the route asked for, through tiers and variants, to the serving route.</summary>
public class RouteDispatchTests
{
    private static readonly Func<double> NoRandom = () => throw new InvalidOperationException("The draw must not be random here.");

    private static LlmRouterBuilder Targets() => new LlmRouterBuilder().AddUnits("d-small", "d-big", "d-v1", "d-v2", "d-v3")
        .AddRoute("small", r => r.Deployments = ["d-small"])
        .AddRoute("big", r => r.Deployments = ["d-big"])
        .AddRoute("v1", r => r.Deployments = ["d-v1"])
        .AddRoute("v2", r => r.Deployments = ["d-v2"])
        .AddRoute("v3", r => r.Deployments = ["d-v3"]);

    /// <summary>"smart" dispatches simple to "small" and complex to "big" by <paramref name="scorer"/>.</summary>
    private static RouterModel Tiered(IComplexityScorer scorer) => Targets()
        .AddComplexityScorer(scorer)
        .AddRoute("smart", r =>
        {
            r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "small", [ComplexityTier.Complex] = "big" };
            r.ComplexityScorer = scorer.Name;
        })
        .Model();

    /// <summary>"chat" splits between v1, v2 and v3 by the given weights.</summary>
    private static RouterModel Variants(double v1, double v2, double v3, string? variantKey = null) => Targets()
        .AddRoute("chat", r =>
        {
            r.Variants = new Dictionary<string, double> { ["v1"] = v1, ["v2"] = v2, ["v3"] = v3 };
            if (variantKey is not null)
            {
                r.VariantKey = variantKey;
            }
        })
        .Model();

    private static (Route Route, List<Route> Path, DispatchChoice Choice) Resolve(
        RouterModel model, string route, ChatOptions? options = null, string? tier = null, string? variant = null, Func<double>? random = null)
    {
        var path = new List<Route>();
        DispatchChoice choice = default;
        Route serving = RouteDispatch.Resolve(model.FindRoute(route)!, RouterCalls.Hello, options, tier, variant, random ?? NoRandom, path, ref choice);
        return (serving, path, choice);
    }

    private static string[] Names(List<Route> path) => [.. path.Select(r => r.Name)];

    private static ChatOptions Caller(string key, string property = LlmRouterRequestProperties.Caller) => RoutingUnits.With((property, key));

    [Fact]
    public void Resolve_RouteThatDoesNotDispatch_ServesItselfAlone()
    {
        RouterModel model = Targets().Model();

        (Route serving, List<Route> path, DispatchChoice choice) = Resolve(model, "big", tier: "simple", variant: "v1");

        Assert.Same(model.FindRoute("big"), serving);
        Assert.Equal(["big"], Names(path));
        Assert.Equal((null, null, null), (choice.Tier, choice.Complexity, choice.Variant));
    }

    [Theory]
    [InlineData(ComplexityTier.Simple, "small", "simple")]
    [InlineData(ComplexityTier.Medium, "big", "medium")]
    [InlineData(ComplexityTier.Complex, "big", "complex")]
    [InlineData(ComplexityTier.Reasoning, "big", "reasoning")]
    public void Resolve_TierScored_ServesTheTiersRouteWithTierAndScore(ComplexityTier tier, string route, string name)
    {
        var scorer = new RoutingUnits.FixedScorer(37, tier);
        RouterModel model = Tiered(scorer);

        (Route serving, List<Route> path, DispatchChoice choice) = Resolve(model, "smart");

        Assert.Equal(route, serving.Name);
        Assert.Equal(["smart", route], Names(path));
        Assert.Equal((name, (object)37, null), (choice.Tier, choice.Complexity, choice.Variant));
        Assert.Equal(1, scorer.Calls);
    }

    [Fact]
    public void Resolve_ScorerOutOfRange_ClampsTheScoreAndTakesComplexForAnUnknownTier()
    {
        RouterModel model = Tiered(new RoutingUnits.FixedScorer(150, (ComplexityTier)9));

        (Route serving, _, DispatchChoice choice) = Resolve(model, "smart");

        Assert.Equal(("big", "complex", (object)100), (serving.Name, choice.Tier, choice.Complexity));
    }

    [Theory]
    [InlineData("simple", "small", "simple")]
    [InlineData("SIMPLE", "small", "simple")]
    [InlineData("Reasoning", "big", "reasoning")]
    [InlineData("medium", "big", "medium")]
    public void Resolve_TierNamed_SkipsTheScorerCaseInsensitively(string named, string route, string tier)
    {
        var scorer = new RoutingUnits.FixedScorer(90, ComplexityTier.Complex);
        RouterModel model = Tiered(scorer);

        (Route serving, List<Route> path, DispatchChoice choice) = Resolve(model, "smart", tier: named);

        Assert.Equal(route, serving.Name);
        Assert.Equal(["smart", route], Names(path));
        Assert.Equal((tier, null), (choice.Tier, choice.Complexity));
        Assert.Equal(0, scorer.Calls);
    }

    [Theory]
    [InlineData("huge")]
    [InlineData("2")]
    [InlineData("-1")]
    [InlineData("")]
    public void Resolve_UnknownOrNumericTier_ThrowsListingTheValidTiers(string named)
    {
        RouterModel model = Tiered(new RoutingUnits.FixedScorer(10, ComplexityTier.Simple));

        ArgumentException exception = Assert.Throws<ArgumentException>(() => Resolve(model, "smart", tier: named));

        Assert.Equal("options", exception.ParamName);
        Assert.StartsWith(
            $"ChatOptions.AdditionalProperties['llmrouter.tier'] is '{named}', which is not a tier. Valid tiers: simple, medium, complex, reasoning.",
            exception.Message,
            StringComparison.Ordinal);
    }

    /// <summary>
    /// A tier is named by one name (or a <see cref="ComplexityTier"/>); Enum.TryParse also takes comma-separated names, whose
    /// values it ORs ("medium,complex" is 1 | 2 = reasoning), and numbers with a sign. None of them names a tier.
    /// </summary>
    [Theory]
    [InlineData("medium,complex")]
    [InlineData("simple, complex")]
    [InlineData("+2")]
    public void Resolve_TierNamedByAListOrASignedNumber_ThrowsListingTheValidTiers(string named)
    {
        RouterModel model = Tiered(new RoutingUnits.FixedScorer(10, ComplexityTier.Simple));

        ArgumentException exception = Assert.Throws<ArgumentException>(() => Resolve(model, "smart", tier: named));

        Assert.StartsWith(
            $"ChatOptions.AdditionalProperties['llmrouter.tier'] is '{named}', which is not a tier. Valid tiers: simple, medium, complex, reasoning.",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v2", "v2")]
    [InlineData("V3", "v3")]
    public void Resolve_VariantNamed_ServesItCaseInsensitivelyWithoutADraw(string named, string route)
    {
        RouterModel model = Variants(1, 1, 1);

        (Route serving, List<Route> path, DispatchChoice choice) = Resolve(model, "chat", Caller("user-1"), variant: named);

        Assert.Equal(route, serving.Name);
        Assert.Equal(["chat", route], Names(path));
        Assert.Equal((route, null, null), (choice.Variant, choice.Tier, choice.Complexity));
    }

    [Fact]
    public void Resolve_UnknownVariant_ThrowsListingTheVariants()
    {
        RouterModel model = Variants(1, 1, 1);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => Resolve(model, "chat", variant: "beta"));

        Assert.Equal("options", exception.ParamName);
        Assert.StartsWith(
            "ChatOptions.AdditionalProperties['llmrouter.variant'] names 'beta', which is not a variant of route 'chat'. Variants: v1, v2, v3.",
            exception.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SameKey_SameVariantWhateverTheRandomSource()
    {
        RouterModel model = Variants(1, 1, 1);

        for (int i = 0; i < 200; i++)
        {
            string key = "user-" + i;
            string first = Resolve(model, "chat", Caller(key)).Route.Name;
            string second = Resolve(Variants(1, 1, 1), "chat", Caller(key)).Route.Name;
            Assert.Equal(first, second);
        }
    }

    [Fact]
    public void Resolve_CustomVariantKey_StickyByThatPropertyOnly()
    {
        RouterModel model = Variants(1, 1, 1, variantKey: "tenant");
        string[] keys = [.. Enumerable.Range(0, 50).Select(i => "tenant-" + i)];

        string[] byTenant = [.. keys.Select(k => Resolve(model, "chat", Caller(k, "tenant")).Route.Name)];
        string[] byTenantAgain = [.. keys.Select(k => Resolve(model, "chat", Caller(k, "TENANT")).Route.Name)];
        var random = new RoutingUnits.Sequence(0.0);
        string[] byCaller = [.. keys.Select(k => Resolve(model, "chat", Caller(k), random: random.Next).Route.Name)];

        Assert.Equal(byTenant, byTenantAgain);
        Assert.Equal(3, byTenant.Distinct().Count());

        // The default caller key is not the variant key here: every request is drawn, and the draw of 0 is v1.
        Assert.All(byCaller, name => Assert.Equal("v1", name));
    }

    [Fact]
    public void Resolve_OneVariantGrows_KeysMoveOnlyToIt()
    {
        RouterModel before = Variants(1, 1, 1);
        RouterModel after = Variants(1, 1, 3);
        int moved = 0;

        for (int i = 0; i < 600; i++)
        {
            string key = "user-" + i;
            string was = Resolve(before, "chat", Caller(key)).Route.Name;
            string now = Resolve(after, "chat", Caller(key)).Route.Name;
            if (was != now)
            {
                Assert.Equal("v3", now);
                moved++;
            }
        }

        // v3's share goes from a third to three fifths: about (3/5 − 1/3) × 600 = 160 keys move to it.
        Assert.InRange(moved, 120, 200);
    }

    [Fact]
    public void Resolve_OneVariantShrinks_KeysMoveOnlyFromIt()
    {
        RouterModel before = Variants(2, 2, 2);
        RouterModel after = Variants(2, 2, 0.5);
        int moved = 0;

        for (int i = 0; i < 600; i++)
        {
            string key = "user-" + i;
            string was = Resolve(before, "chat", Caller(key)).Route.Name;
            string now = Resolve(after, "chat", Caller(key)).Route.Name;
            if (was != now)
            {
                Assert.Equal("v3", was);
                moved++;
            }
        }

        // v3's share goes from a third to a ninth: about (1/3 − 1/9) × 600 = 133 keys leave it.
        Assert.InRange(moved, 95, 175);
    }

    [Fact]
    public void Resolve_NoKey_DrawIsProportionalToTheWeights()
    {
        RouterModel model = Variants(3, 1, 0);

        // The draw scales [0, 1) by the total weight (4): v1 takes [0, 3), v2 [3, 4).
        var draws = new RoutingUnits.Sequence(0.0, 0.7499, 0.75, 0.9999);
        string[] chosen = [.. Enumerable.Range(0, 4).Select(_ => Resolve(model, "chat", random: draws.Next).Route.Name)];

        Assert.Equal(["v1", "v1", "v2", "v2"], chosen);
    }

    [Fact]
    public void Resolve_NoKeySeededRandom_SplitsByWeight()
    {
        RouterModel model = Variants(6, 3, 1);
        var random = new Random(SelectionRouters.Seed);
        var tally = new Dictionary<string, int>();

        for (int i = 0; i < 10_000; i++)
        {
            (Route serving, _, DispatchChoice choice) = Resolve(model, "chat", random: random.NextDouble);
            Assert.Equal(serving.Name, choice.Variant);
            tally[serving.Name] = tally.GetValueOrDefault(serving.Name) + 1;
        }

        // 6,000, 3,000 and 1,000 expected.
        Assert.InRange(tally["v1"], 5_850, 6_150);
        Assert.InRange(tally["v2"], 2_850, 3_150);
        Assert.InRange(tally["v3"], 900, 1_100);
    }

    [Fact]
    public void Resolve_ZeroWeightVariant_NeverChosenByDrawOrKey()
    {
        RouterModel model = Targets()
            .AddRoute("chat", r => r.Variants = new Dictionary<string, double> { ["v1"] = 0, ["v2"] = 1, ["v3"] = 0 })
            .Model();
        var edges = new RoutingUnits.Sequence(0.0, 0.9999999);
        var random = new Random(SelectionRouters.Seed);

        string[] atEdges = [.. Enumerable.Range(0, 2).Select(_ => Resolve(model, "chat", random: edges.Next).Route.Name)];
        string[] drawn = [.. Enumerable.Range(0, 500).Select(_ => Resolve(model, "chat", random: random.NextDouble).Route.Name)];
        string[] keyed = [.. Enumerable.Range(0, 500).Select(i => Resolve(model, "chat", Caller("user-" + i)).Route.Name)];

        Assert.Equal(["v2", "v2"], atEdges);
        Assert.All(drawn, name => Assert.Equal("v2", name));
        Assert.All(keyed, name => Assert.Equal("v2", name));
    }

    [Fact]
    public void Resolve_DrawRoundsToTheTotalWeight_FallsToTheLastWeightedVariantNotAZeroWeightOne()
    {
        // 0.3 + 0.7 scaled by the largest draw below 1 rounds to exactly 1, so the draw is never below a variant's share and
        // falls through the loop: the variant it falls to must still be one with a weight.
        RouterModel model = Variants(0.3, 0.7, 0);

        (Route serving, _, DispatchChoice choice) = Resolve(model, "chat", random: () => Math.BitDecrement(1.0));

        Assert.Equal(("v2", "v2"), (serving.Name, choice.Variant));
    }

    [Fact]
    public void Resolve_TierLeadsToARouteWithVariants_RecordsThePathTierScoreAndVariant()
    {
        var scorer = new RoutingUnits.FixedScorer(12, ComplexityTier.Simple);
        RouterModel model = Targets()
            .AddComplexityScorer(scorer)
            .AddRoute("ab", r => r.Variants = new Dictionary<string, double> { ["v1"] = 1, ["v2"] = 1 })
            .AddRoute("smart", r =>
            {
                r.Tiers = new Dictionary<ComplexityTier, string> { [ComplexityTier.Simple] = "ab", [ComplexityTier.Complex] = "big" };
                r.ComplexityScorer = scorer.Name;
            })
            .Model();

        (Route scored, List<Route> scoredPath, DispatchChoice scoredChoice) = Resolve(model, "smart", variant: "V2");
        (Route named, List<Route> namedPath, DispatchChoice namedChoice) = Resolve(model, "smart", tier: "complex", variant: "v2");

        Assert.Equal("v2", scored.Name);
        Assert.Equal(["smart", "ab", "v2"], Names(scoredPath));
        Assert.Equal(("simple", (object)12, "v2"), (scoredChoice.Tier, scoredChoice.Complexity, scoredChoice.Variant));

        // The variant named is for a route this request never reaches: it is not reported.
        Assert.Equal("big", named.Name);
        Assert.Equal(["smart", "big"], Names(namedPath));
        Assert.Equal(("complex", null, null), (namedChoice.Tier, namedChoice.Complexity, namedChoice.Variant));
    }

    [Fact]
    public void Begin_DispatchingRoute_RequestReportsThePathAndChoice()
    {
        var scorer = new RoutingUnits.FixedScorer(64, ComplexityTier.Complex);
        RouterModel model = Tiered(scorer);

        RouterRequest request = model.Begin("smart");
        RouterRequest plain = model.Begin("small");

        Assert.Equal(("smart", "big"), (request.Asked.Name, request.Requested.Name));
        Assert.Equal(["smart", "big"], request.Path.Select(r => r.Name));
        Assert.Equal(("complex", (object)64, null), (request.Tier, request.Complexity, request.Variant));
        Assert.Equal(["small"], plain.Path.Select(r => r.Name));
        Assert.Same(plain.Requested.AsPath, plain.Path);
    }
}
