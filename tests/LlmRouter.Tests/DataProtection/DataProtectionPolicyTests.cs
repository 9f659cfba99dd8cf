using System.Net;
using System.Text.Json;
using LlmRouter.Testing;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.DataProtection;

/// <summary>The data protection actions through the router: Block, TrustedOnly, Redact and Allow, per route and per request.</summary>
public class DataProtectionPolicyTests
{
    private const string Email = "jane.doe@example.com";
    private const string Card = "4111 1111 1111 1111";

    private static readonly ChatMessage[] Sensitive =
    [
        new(ChatRole.System, "You are a helpful assistant."),
        new(ChatRole.User, $"My e-mail is {Email} and my card is {Card}."),
    ];

    private static ScriptedChatClient Answers(string text) => new("fake") { DefaultOutcome = ScriptedOutcome.Text(text) };

    private static LlmRouterBuilder Builder(DataProtectionAction action, params string[] deployments) =>
        new LlmRouterBuilder().WithoutRetries().AddRoute("default", r =>
        {
            r.Deployments = deployments;
            r.DataProtection = new DataProtectionOptions { Action = action };
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Block_RequestWithFindings_ThrowsNamingKindsAndMessagesAndCallsNothing(bool streaming)
    {
        ScriptedChatClient cloud = Answers("ok");
        IChatClient router = Builder(DataProtectionAction.Block, "cloud").AddDeployment("cloud", cloud).Build();

        SensitiveDataException exception = await Assert.ThrowsAsync<SensitiveDataException>(() => router.CallAsync(streaming, messages: Sensitive));

        Assert.Equal(0, cloud.CallCount);
        Assert.Equal([SensitiveDataKinds.Email, SensitiveDataKinds.Card], exception.Kinds);
        Assert.Equal([1], exception.MessageIndexes);
        Assert.Equal("Route 'default' blocks sensitive data, and the request holds some: Email in message 1; Card in message 1. No deployment was called.", exception.Message);
        Assert.DoesNotContain(Email, exception.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Card, exception.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Block_CleanRequest_ServedAndReported(bool streaming)
    {
        IChatClient router = Builder(DataProtectionAction.Block, "cloud").AddDeployment("cloud", Answers("ok")).Build();

        ChatResponse response = await router.CallAsync(streaming);

        var report = Assert.IsType<DataProtectionReport>(response.Property(LlmRouterProperties.DataProtection));
        Assert.Equal(DataProtectionAction.Block, report.Action);
        Assert.Empty(report.Counts);
        Assert.Equal("Block: nothing found", report.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrustedOnly_RequestWithFindings_ServedByTheTrustedDeploymentThoughListedLater(bool streaming)
    {
        ScriptedChatClient cloud = Answers("cloud");
        ScriptedChatClient local = Answers("local");
        IChatClient router = Builder(DataProtectionAction.TrustedOnly, "cloud", "local")
            .AddDeployment("cloud", cloud)
            .AddDeployment("local", local, d => d.Trusted = true)
            .Build();

        ChatResponse sensitive = await router.CallAsync(streaming, messages: Sensitive);
        ChatResponse clean = await router.CallAsync(streaming);

        Assert.Equal("local", sensitive.Property(LlmRouterProperties.Deployment));
        Assert.Equal("TrustedOnly: Card 1, Email 1", sensitive.Property(LlmRouterProperties.DataProtection)!.ToString());
        Assert.Equal("cloud", clean.Property(LlmRouterProperties.Deployment));
        Assert.Equal(1, cloud.CallCount);
        Assert.Contains(Email, local.Calls[0].Messages[1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrustedOnly_NoTrustedDeployment_FailsClosedNamingTheKinds(bool streaming)
    {
        ScriptedChatClient cloud = Answers("cloud");
        IChatClient router = Builder(DataProtectionAction.TrustedOnly, "cloud").AddDeployment("cloud", cloud).Build();

        LlmRouterException exception = await Assert.ThrowsAsync<LlmRouterException>(() => router.CallAsync(streaming, messages: Sensitive));

        Assert.Equal(0, cloud.CallCount);
        Assert.Equal(
            "Route 'default': no deployment can serve this request." + Environment.NewLine +
            "  Not tried: cloud (not trusted, and the request holds sensitive data (Email, Card) that its data protection keeps on trusted deployments).",
            exception.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_UntrustedDeployment_ReceivesPlaceholdersAndTheCallerGetsTheOriginals(bool streaming)
    {
        ScriptedChatClient cloud = new("fake") { DefaultOutcome = ScriptedOutcome.Chunks("Noted: [EMA", "IL_1] and [CARD_1", "]; again [EMAIL_1]. [x]") };
        IChatClient router = Builder(DataProtectionAction.Redact, "cloud").AddDeployment("cloud", cloud).Build();

        ChatResponse response = await router.CallAsync(streaming, messages: Sensitive);

        Assert.Equal($"Noted: {Email} and {Card}; again {Email}. [x]", response.Text);
        Assert.Equal("My e-mail is [EMAIL_1] and my card is [CARD_1].", cloud.Calls[0].Messages[1].Text);
        Assert.Equal("You are a helpful assistant.", cloud.Calls[0].Messages[0].Text);
        Assert.Null(cloud.Calls[0].Options?.AdditionalProperties);
        Assert.Equal("Redact: Card 1, Email 1", response.Property(LlmRouterProperties.DataProtection)!.ToString());
        Assert.Contains(Email, Sensitive[1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_SameValueTwice_SamePlaceholderAndOthersNumbered(bool streaming)
    {
        ScriptedChatClient cloud = Answers("ok");
        IChatClient router = Builder(DataProtectionAction.Redact, "cloud").AddDeployment("cloud", cloud).Build();
        ChatMessage[] messages = [new(ChatRole.User, $"{Email}, b@example.com"), new(ChatRole.Assistant, "Got it."), new(ChatRole.User, $"Again: {Email}")];

        await router.CallAsync(streaming, messages: messages);

        Assert.Equal(["[EMAIL_1], [EMAIL_2]", "Got it.", "Again: [EMAIL_1]"], cloud.Calls[0].Messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_TrustedDeployment_ReceivesTheOriginals(bool streaming)
    {
        ScriptedChatClient local = Answers("ok");
        IChatClient router = Builder(DataProtectionAction.Redact, "local").AddDeployment("local", local, d => d.Trusted = true).Build();

        await router.CallAsync(streaming, messages: Sensitive);

        Assert.Equal(Sensitive[1].Text, local.Calls[0].Messages[1].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_FallbackFromTrustedToUntrusted_RedactsForTheUntrusted(bool streaming)
    {
        ScriptedChatClient local = new("fake");
        local.Enqueue(ScriptedOutcome.Failure(HttpStatusCode.ServiceUnavailable));
        ScriptedChatClient cloud = Answers("Sent to [EMAIL_1].");
        IChatClient router = Builder(DataProtectionAction.Redact, "local", "cloud")
            .AddDeployment("local", local, d => d.Trusted = true)
            .AddDeployment("cloud", cloud)
            .Build();

        ChatResponse response = await router.CallAsync(streaming, messages: Sensitive);

        Assert.Equal(Sensitive[1].Text, local.Calls[0].Messages[1].Text);
        Assert.Equal("My e-mail is [EMAIL_1] and my card is [CARD_1].", cloud.Calls[0].Messages[1].Text);
        Assert.Equal($"Sent to {Email}.", response.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_ToolCallsAndResults_RedactedOutAndRestoredIn(bool streaming)
    {
        var answer = new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("call_2", "send_mail", new Dictionary<string, object?> { ["to"] = "[EMAIL_1]", ["count"] = 2 })]);
        ScriptedChatClient cloud = new("fake") { DefaultOutcome = ScriptedOutcome.Stream(answer) };
        IChatClient router = Builder(DataProtectionAction.Redact, "cloud").AddDeployment("cloud", cloud).Build();
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Find my contact."),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "lookup", new Dictionary<string, object?> { ["card"] = Card })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", $"{{\"email\":\"{Email}\"}}")]),
        ];

        ChatResponse response = await router.CallAsync(streaming, messages: messages);

        var sentCall = (FunctionCallContent)cloud.Calls[0].Messages[1].Contents[0];
        var sentResult = (FunctionResultContent)cloud.Calls[0].Messages[2].Contents[0];
        Assert.Equal("[CARD_1]", sentCall.Arguments!["card"]);
        Assert.Equal("{\"email\":\"[EMAIL_1]\"}", sentResult.Result);
        FunctionCallContent call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(Email, call.Arguments!["to"]);
        Assert.Equal(2, call.Arguments["count"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestProperty_ActionForOneRequest_OverridesTheRoute(bool streaming)
    {
        ScriptedChatClient cloud = Answers("ok");
        IChatClient router = new LlmRouterBuilder().WithoutRetries()
            .AddDeployment("cloud", cloud)
            .AddRoute("open", r => r.Deployments = ["cloud"])
            .AddRoute("guarded", r => { r.Deployments = ["cloud"]; r.DataProtection = new DataProtectionOptions { Action = DataProtectionAction.Block }; })
            .UseDefaultRoute("open")
            .Build();

        ChatResponse open = await router.CallAsync(streaming, messages: Sensitive);
        await router.CallAsync(streaming, new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.DataProtection] = "redact" } }, messages: Sensitive);
        ChatResponse allowed = await router.CallAsync(
            streaming, new ChatOptions { ModelId = "guarded", AdditionalProperties = new() { [LlmRouterRequestProperties.DataProtection] = DataProtectionAction.Allow } }, messages: Sensitive);

        Assert.Null(open.Property(LlmRouterProperties.DataProtection));
        Assert.Equal(Sensitive[1].Text, cloud.Calls[0].Messages[1].Text);
        Assert.Equal("My e-mail is [EMAIL_1] and my card is [CARD_1].", cloud.Calls[1].Messages[1].Text);
        Assert.Equal(Sensitive[1].Text, cloud.Calls[2].Messages[1].Text);
        Assert.Null(allowed.Property(LlmRouterProperties.DataProtection));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redact_HedgedAttempts_TheTrustedGetsOriginalsTheUntrustedPlaceholders(bool streaming)
    {
        var clock = new TimerTrackingFakeTimeProvider();
        ScriptedChatClient local = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("slow").After(TimeSpan.FromSeconds(10)));
        ScriptedChatClient cloud = new ScriptedChatClient(timeProvider: clock).Enqueue(ScriptedOutcome.Chunks("Card [CA", "RD_1] noted."));
        IChatClient router = new LlmRouterBuilder().UseTimeProvider(clock).WithoutRetries().WithoutTimeouts()
            .AddDeployment("local", local, d => d.Trusted = true)
            .AddDeployment("cloud", cloud)
            .AddRoute("default", r =>
            {
                r.Deployments = ["local", "cloud"];
                r.Hedging = new HedgingOptions { Delay = TimeSpan.FromSeconds(1) };
                r.DataProtection = new DataProtectionOptions { Action = DataProtectionAction.Redact };
            })
            .Build();

        Task<ChatResponse> call = router.CallAsync(streaming, messages: Sensitive);
        await local.WaitForCallsAsync(1);
        await clock.WaitForTimersAsync(2);
        clock.Advance(TimeSpan.FromSeconds(1));
        ChatResponse response = await call;

        Assert.Equal($"Card {Card} noted.", response.Text);
        Assert.Equal(Sensitive[1].Text, local.Calls[0].Messages[1].Text);
        Assert.Equal("My e-mail is [EMAIL_1] and my card is [CARD_1].", cloud.Calls[0].Messages[1].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestProperty_JsonActionAndRegions_Read(bool streaming)
    {
        ScriptedChatClient cloud = Answers("cloud");
        ScriptedChatClient local = Answers("local");
        IChatClient router = Builder(DataProtectionAction.Allow, "cloud", "local")
            .AddDeployment("cloud", cloud, d => d.Region = "eu")
            .AddDeployment("local", local, d => { d.Region = "eu"; d.Trusted = true; })
            .Build();
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                [LlmRouterRequestProperties.DataProtection] = JsonSerializer.SerializeToElement("TrustedOnly"),
                [LlmRouterRequestProperties.AllowedRegions] = JsonSerializer.SerializeToElement(new[] { "eu" }),
            },
        };

        ChatResponse response = await router.CallAsync(streaming, options, messages: Sensitive);

        Assert.Equal("local", response.Property(LlmRouterProperties.Deployment));
        Assert.Equal(0, cloud.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestProperty_NoRouteProtectsData_ThrowsArgumentException(bool streaming)
    {
        ScriptedChatClient cloud = Answers("ok");
        IChatClient router = new LlmRouterBuilder().AddDeployment("cloud", cloud).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.DataProtection] = "Redact" } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => router.CallAsync(streaming, options, messages: Sensitive));

        Assert.Contains("needs data protection on at least one route", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, cloud.CallCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestProperty_NotAnAction_ThrowsArgumentException(bool streaming)
    {
        IChatClient router = Builder(DataProtectionAction.Allow, "cloud").AddDeployment("cloud", Answers("ok")).Build();
        var options = new ChatOptions { AdditionalProperties = new() { [LlmRouterRequestProperties.DataProtection] = "Scramble" } };

        ArgumentException exception = await Assert.ThrowsAsync<ArgumentException>(() => router.CallAsync(streaming, options));

        Assert.Contains("(Allow, Redact, TrustedOnly, Block)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InvalidDataProtection_ListsEveryProblem()
    {
        LlmRouterBuilder builder = new LlmRouterBuilder().AddDeployment("cloud", Answers("ok")).AddRoute("default", r =>
        {
            r.Deployments = ["cloud"];
            r.DataProtection = new DataProtectionOptions
            {
                Action = DataProtectionAction.Redact,
                Kinds = ["Emial"],
                Patterns = new Dictionary<string, string> { ["EmployeeId"] = "EMP-(" },
                PhoneRegion = "XX",
            };
        });

        LlmRouterConfigurationException exception = Assert.Throws<LlmRouterConfigurationException>(builder.Build);

        Assert.Contains("Route 'default': DataProtection.Kinds names unknown kind 'Emial'.", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Route 'default': DataProtection.Patterns:EmployeeId is not a valid regular expression", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Route 'default': DataProtection.PhoneRegion 'XX' is not a country with phone numbers", exception.Message, StringComparison.Ordinal);
    }
}
