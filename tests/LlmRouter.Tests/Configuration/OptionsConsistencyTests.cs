using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace LlmRouter.Tests.Configuration;

/// <summary>
/// One source of truth per option: every public settable property of an options type that configuration binds has a key the
/// <see cref="ConfigurationReader"/> knows and an entry in ConfigurationSchema.json at the same place; neither the reader nor the
/// schema knows a key that no option has; enum names and defaults in the schema are the options' own. The exceptions are listed
/// below, each with its reason. Places are found by walking the options types from the sections under <c>LlmRouter</c>, so a
/// nested options type (a route's <see cref="HedgingOptions"/>, a deployment's <see cref="ModelPrice"/>) is checked where it sits.
/// </summary>
public partial class OptionsConsistencyTests
{
    /// <summary>The sections under <c>LlmRouter</c> that bind an options type: one section, or a dictionary of named ones.</summary>
    private static readonly (string Key, Type Options, bool Named)[] Sections =
    [
        ("Providers", typeof(ProviderOptions), true),
        ("Deployments", typeof(DeploymentOptions), true),
        ("Routes", typeof(RouteOptions), true),
        ("Budgets", typeof(BudgetOptions), true),
        ("RateLimits", typeof(RateLimitOptions), true),
        ("Selection", typeof(SelectionOptions), false),
        ("Retry", typeof(RetryOptions), false),
        ("CircuitBreaker", typeof(CircuitBreakerOptions), false),
        ("Timeouts", typeof(TimeoutOptions), false),
        ("Cooldown", typeof(CooldownOptions), false),
        ("Telemetry", typeof(TelemetryOptions), false),
        ("ResponseCache", typeof(ResponseCacheOptions), false),
    ];

    /// <summary>How the reader reads the section of each options type, nested types included: its keys, and a fresh read of a section.</summary>
    private static readonly Dictionary<Type, Binding> Bindings = new()
    {
        [typeof(ProviderOptions)] = Binding.Of(ConfigurationReader.ProviderKeys),
        [typeof(DeploymentOptions)] = Binding.Of(ConfigurationReader.DeploymentKeys),
        [typeof(ModelPrice)] = new(ConfigurationReader.PriceKeys, static (reader, section) => reader.Price(section), static _ => true),
        [typeof(PriceTier)] = new(ConfigurationReader.PriceTierKeys, static (reader, section) => reader.PriceTier(section), static _ => true),
        [typeof(RouteOptions)] = Binding.Of(ConfigurationReader.RouteKeys),
        [typeof(HedgingOptions)] = Binding.Of(ConfigurationReader.HedgingKeys),
        [typeof(QualityOptions)] = Binding.Of(ConfigurationReader.QualityKeys),
        [typeof(LatencyTargetOptions)] = Binding.Of(ConfigurationReader.LatencyTargetKeys),
        [typeof(EvaluationOptions)] = Binding.Of(ConfigurationReader.EvaluationKeys),
        [typeof(DataProtectionOptions)] = Binding.Of(ConfigurationReader.DataProtectionKeys),
        [typeof(PriceLimit)] = new(ConfigurationReader.MaxPriceKeys, static (reader, section) => reader.MaxPrice(section), static _ => true),
        [typeof(BudgetOptions)] = Binding.Of(ConfigurationReader.BudgetKeys),
        [typeof(RateLimitOptions)] = Binding.Of(ConfigurationReader.RateLimitKeys),
        [typeof(SelectionOptions)] = Binding.Of(ConfigurationReader.SelectionKeys),
        [typeof(RetryOptions)] = Binding.Of(ConfigurationReader.RetryKeys),
        [typeof(CircuitBreakerOptions)] = Binding.Of(ConfigurationReader.CircuitBreakerKeys),
        [typeof(TimeoutOptions)] = Binding.Of(ConfigurationReader.TimeoutKeys),
        [typeof(CooldownOptions)] = Binding.Of(ConfigurationReader.CooldownKeys),
        [typeof(TelemetryOptions)] = Binding.Of(ConfigurationReader.TelemetryKeys),
        [typeof(ResponseCacheOptions)] = Binding.Of(ConfigurationReader.ResponseCacheKeys),
        [typeof(ResponseCacheRouteOptions)] = Binding.Of(ConfigurationReader.ResponseCacheRouteKeys),
    };

    /// <summary>Keys of <c>LlmRouter</c> itself that bind no options type.</summary>
    private static readonly Dictionary<string, string> RootOnlyKeys = new(StringComparer.Ordinal)
    {
        ["DefaultRoute"] = "LlmRouterBuilder.UseDefaultRoute(name): a setting of the builder, not a property of an options type.",
        ["Gateway"] = "Read by the LlmRouter.AspNetCore package (LlmRouterGatewayOptions, bound by AddLlmRouterGateway); the router itself ignores it.",
        ["SharedState"] = "Read by the LlmRouter.Redis package (AddLlmRouterRedis), which registers the shared stores the router takes from the container.",
    };

    /// <summary>Public settable properties deliberately left to code: configuration has no key for them.</summary>
    private static readonly Dictionary<(Type Options, string Property), string> CodeOnly = new()
    {
        [(typeof(DeploymentOptions), nameof(DeploymentOptions.Provider))] =
            "The provider name a deployment reports (gen_ai.provider.name). A configured deployment reports its provider client's name, " +
            "which follows the Type of its Providers entry; the Deployments:{name}:Provider key names that entry and does not set this property.",
        [(typeof(ModelPrice), nameof(ModelPrice.Until))] =
            "A scheduled price change is taken from the price catalog's dated rows; a configured price is the price in force, replaced by editing it.",
        [(typeof(ModelPrice), nameof(ModelPrice.Then))] =
            "The price after a scheduled change (see ModelPrice.Until); code and the price catalog set it.",
    };

    /// <summary>Keys the reader knows (and the schema lists) that set no property of their section's options type.</summary>
    private static readonly Dictionary<(Type Options, string Key), string> ReaderOnly = new()
    {
        [(typeof(DeploymentOptions), "Provider")] =
            "Names the entry under Providers whose settings create the deployment's client; it is not DeploymentOptions.Provider (see CodeOnly).",
        [(typeof(ProviderOptions), "HttpClientName")] =
            "The IHttpClientFactory client name of the provider's deployments: it chooses the HttpClient, which ProviderOptions leaves to the code that creates the client.",
    };

    /// <summary>Public options types that configuration does not bind.</summary>
    private static readonly Dictionary<Type, string> NotConfigured = [];

    /// <summary>Properties whose schema default is not their options default.</summary>
    private static readonly Dictionary<(Type Options, string Property), string> DefaultExceptions = new()
    {
        [(typeof(TelemetryOptions), nameof(TelemetryOptions.EnableSensitiveData))] =
            "Its default follows the OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT environment variable; the schema states the usual false.",
        [(typeof(ProviderOptions), nameof(ProviderOptions.Timeout))] =
            "Null means the 10 minutes ProviderClientFactory gives the HttpClient it creates; the schema states that effective default.",
    };

    private static readonly JsonElement Schema = LoadSchema();

    private static readonly IReadOnlyList<Place> Places = FindPlaces();

    [Fact]
    public void Properties_PublicSettable_HaveAReaderKeyAndASchemaEntry()
    {
        var problems = new List<string>();
        foreach (Place place in Places)
        {
            foreach (PropertyInfo property in Settable(place.Options))
            {
                if (CodeOnly.ContainsKey((place.Options, property.Name)))
                {
                    continue;
                }

                string where = $"{place.Options.Name}.{property.Name} ({place.Path}:{property.Name})";
                if (!place.BindingKeys.Contains(property.Name))
                {
                    problems.Add($"{where}: the configuration reader has no key for it. Read it in ConfigurationReader, or list it here as code-only with the reason.");
                }

                if (!place.SchemaKeys.Contains(property.Name))
                {
                    problems.Add($"{where}: ConfigurationSchema.json has no entry at {place.Pointer}/properties/{property.Name}.");
                }
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void ReaderAndSchema_EveryKey_SetsAnOptionOrIsAListedException()
    {
        var problems = new List<string>();
        foreach (Place place in Places)
        {
            HashSet<string> properties = [.. Settable(place.Options).Select(p => p.Name)];
            foreach (string key in place.ReaderKeys)
            {
                if (!properties.Contains(key) && !ReaderOnly.ContainsKey((place.Options, key)))
                {
                    problems.Add($"The configuration reader knows {place.Path}:{key}, but {place.Options.Name} has no public settable property {key}, and the key is not listed here as reader-only.");
                }
            }

            foreach (string key in place.SchemaKeys)
            {
                if (!place.ReaderKeys.Contains(key))
                {
                    problems.Add($"ConfigurationSchema.json lists {place.Pointer}/properties/{key} ({place.Path}:{key}), a key the configuration reader does not know, so configuration using it fails.");
                }
            }

            foreach (string key in place.ReaderKeys)
            {
                if (!place.SchemaKeys.Contains(key))
                {
                    problems.Add($"The configuration reader knows {place.Path}:{key}, but ConfigurationSchema.json has no entry at {place.Pointer}/properties/{key}.");
                }
            }

            if (!place.Node.TryGetProperty("additionalProperties", out JsonElement additional) || additional.ValueKind != JsonValueKind.False)
            {
                problems.Add($"ConfigurationSchema.json {place.Pointer} ({place.Path}) must say \"additionalProperties\": false, so editors flag misspelt keys as the reader does.");
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Root_EveryKey_IsASectionOfOptionsOrAListedException()
    {
        string[] expected = [.. Sections.Select(s => s.Key), .. RootOnlyKeys.Keys];
        string[] schema = [.. Definition("LlmRouter").GetProperty("properties").EnumerateObject().Select(p => p.Name)];
        var problems = new List<string>();
        foreach (string key in ConfigurationReader.RootKeys.Except(expected))
        {
            problems.Add($"The configuration reader knows LlmRouter:{key}, which is neither a section of options listed here nor a listed root-only key.");
        }

        foreach (string key in schema.Except(expected))
        {
            problems.Add($"ConfigurationSchema.json lists #/definitions/LlmRouter/properties/{key}, which is neither a section of options listed here nor a listed root-only key.");
        }

        foreach (string key in expected.Except(ConfigurationReader.RootKeys))
        {
            problems.Add($"The configuration reader does not know LlmRouter:{key}.");
        }

        foreach (string key in expected.Except(schema))
        {
            problems.Add($"ConfigurationSchema.json has no entry at #/definitions/LlmRouter/properties/{key}.");
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void OptionsTypes_EveryPublicOne_IsBoundFromConfiguration()
    {
        Type[] options = [.. typeof(RouteOptions).Assembly.GetExportedTypes().Where(t => t.Name.EndsWith("Options", StringComparison.Ordinal))];
        HashSet<Type> bound = [.. Places.Select(p => p.Options)];
        var problems = new List<string>();
        foreach (Type type in options.Where(t => !bound.Contains(t) && !NotConfigured.ContainsKey(t)))
        {
            problems.Add($"{type.Name} is a public options type, but no configuration section binds it. Give it a section (and list it here), or list it as not configured with the reason.");
        }

        foreach (Type type in Bindings.Keys.Where(t => !bound.Contains(t)))
        {
            problems.Add($"{type.Name} has a binding listed here, but no section or options property leads to it.");
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Exceptions_ComparedWithTheReader_AreNeitherStaleNorMissing()
    {
        var problems = new List<string>();
        foreach ((Type type, string property) in CodeOnly.Keys)
        {
            Place? place = Places.FirstOrDefault(p => p.Options == type);
            if (type.GetProperty(property) is null || place is null)
            {
                problems.Add($"Code-only {type.Name}.{property} is not a property of a bound options type; remove the exception.");
            }
            else if (place.BindingKeys.Contains(property))
            {
                problems.Add($"Code-only {type.Name}.{property} has a key, {place.Path}:{property}; remove the exception.");
            }
        }

        foreach ((Type type, string key) in ReaderOnly.Keys)
        {
            Place? place = Places.FirstOrDefault(p => p.Options == type);
            if (place is null || !place.ReaderKeys.Contains(key))
            {
                problems.Add($"Reader-only key {key} of {type.Name} is not a key the configuration reader knows; remove the exception.");
            }
        }

        foreach (Place place in Places)
        {
            foreach (string key in place.ReaderKeys)
            {
                bool sets = Bindings[place.Options].Sets(key);
                bool listed = ReaderOnly.ContainsKey((place.Options, key));
                if (sets && listed)
                {
                    problems.Add($"Reader-only key {place.Path}:{key} sets a {place.Options.Name} property in ConfigurationReader; remove the exception.");
                }
                else if (!sets && !listed)
                {
                    problems.Add($"ConfigurationReader knows {place.Path}:{key} without reading it into {place.Options.Name}; list it here as reader-only with the reason.");
                }
            }
        }

        foreach (string key in RootOnlyKeys.Keys.Where(k => !ConfigurationReader.RootKeys.Contains(k)))
        {
            problems.Add($"Root-only key {key} is not a key the configuration reader knows; remove the exception.");
        }

        foreach (Type type in NotConfigured.Keys.Where(t => Places.Any(p => p.Options == t)))
        {
            problems.Add($"{type.Name} is listed as not configured, but configuration binds it; remove the exception.");
        }

        foreach ((Type type, string property) in DefaultExceptions.Keys.Where(e => e.Options.GetProperty(e.Property) is null || !Places.Any(p => p.Options == e.Options)))
        {
            problems.Add($"The default exception for {type.Name}.{property} names no property of a bound options type; remove it.");
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Reader_EveryKey_SetsThePropertyOfItsName()
    {
        var problems = new List<string>();
        foreach ((string key, Type options, bool named) in Sections)
        {
            string path = named ? $"LlmRouter:{key}:sample" : $"LlmRouter:{key}";
            var sample = new Sample();
            sample.Fill(options, path, static o => o);
            IConfigurationSection section = new ConfigurationBuilder().AddInMemoryCollection(sample.Data).Build().GetSection(path);
            var reader = new ConfigurationReader();

            object? read = Bindings[options].Read(reader, section);

            problems.AddRange(sample.Problems);
            problems.AddRange(reader.Errors.Select(e => $"The sample configuration of {options.Name} does not read cleanly: {e}"));
            foreach ((string where, Func<object?, object?> actual, object? expected) in sample.Checks)
            {
                object? value = actual(read);
                if (!Same(expected, value))
                {
                    problems.Add($"{where}: configuration set it to {Text(expected)}, but the reader left {Text(value)}. The reader's line for this key must set the property of the same name.");
                }
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Schema_EnumOptions_ListTheEnumNames()
    {
        var problems = new List<string>();
        foreach ((Place place, PropertyInfo property, JsonElement node) in SchemaEntries())
        {
            Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            string where = $"{place.Pointer}/properties/{property.Name} ({place.Options.Name}.{property.Name})";
            if (type.IsEnum)
            {
                List<string[]> listed = [];
                CollectEnums(node, listed);
                if (listed.Count == 0)
                {
                    problems.Add($"ConfigurationSchema.json {where} lists no \"enum\" of the {type.Name} names.");
                }

                foreach (string[] names in listed.Where(n => !n.SequenceEqual(Enum.GetNames(type))))
                {
                    problems.Add($"ConfigurationSchema.json {where} lists [{string.Join(", ", names)}]; {type.Name} has [{string.Join(", ", Enum.GetNames(type))}].");
                }
            }
            else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>) && type.GetGenericArguments()[0].IsEnum)
            {
                Type keys = type.GetGenericArguments()[0];
                string[] names = node.TryGetProperty("properties", out JsonElement properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];
                if (!names.SequenceEqual(Enum.GetNames(keys)))
                {
                    problems.Add($"ConfigurationSchema.json {where} lists the keys [{string.Join(", ", names)}]; {keys.Name} has [{string.Join(", ", Enum.GetNames(keys))}].");
                }
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Schema_Defaults_AreTheOptionsDefaults()
    {
        var problems = new List<string>();
        foreach ((Place place, PropertyInfo property, JsonElement node) in SchemaEntries())
        {
            if (place.Options.GetConstructor(Type.EmptyTypes) is null || DefaultExceptions.ContainsKey((place.Options, property.Name)))
            {
                continue;
            }

            object? value = property.GetValue(Activator.CreateInstance(place.Options));
            string where = $"ConfigurationSchema.json {place.Pointer}/properties/{property.Name}";
            if (node.TryGetProperty("default", out JsonElement stated) && !SameValue(stated, value))
            {
                problems.Add($"{where} states the default {stated.GetRawText()}; {place.Options.Name}.{property.Name} defaults to {Text(value)}.");
            }

            foreach (string text in DescribedDurations(node))
            {
                bool same = text == "none" ? value is null : value is TimeSpan duration && TimeSpan.Parse(text, CultureInfo.InvariantCulture) == duration;
                if (!same)
                {
                    problems.Add($"{where} says \"default {text}\" in its description; {place.Options.Name}.{property.Name} defaults to {Text(value)}.");
                }
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    [Fact]
    public void Schema_NumericRanges_AreTheOptionsRanges()
    {
        var problems = new List<string>();
        foreach ((Place place, PropertyInfo property, JsonElement node) in SchemaEntries())
        {
            // Durations are strings in the schema, which cannot bound them; their ranges are the validators' alone.
            if (property.GetCustomAttribute<RangeAttribute>() is not { Minimum: int or double } range)
            {
                continue;
            }

            string where = $"ConfigurationSchema.json {place.Pointer}/properties/{property.Name}";
            string attribute = $"{place.Options.Name}.{property.Name} has [Range({Text(range.Minimum)}, {Text(range.Maximum)}{(range.MinimumIsExclusive ? ", MinimumIsExclusive" : "")})]";
            decimal minimum = Convert.ToDecimal(range.Minimum, CultureInfo.InvariantCulture);
            string minimumKeyword = range.MinimumIsExclusive ? "exclusiveMinimum" : "minimum";
            if (!node.TryGetProperty(minimumKeyword, out JsonElement stated) || stated.GetDecimal() != minimum)
            {
                problems.Add($"{where} must state \"{minimumKeyword}\": {Text(range.Minimum)}; {attribute}.");
            }

            bool unbounded = range.Maximum is int.MaxValue or double.MaxValue;
            bool statesMaximum = node.TryGetProperty("maximum", out JsonElement maximum);
            if (!unbounded && (!statesMaximum || maximum.GetDecimal() != Convert.ToDecimal(range.Maximum, CultureInfo.InvariantCulture)))
            {
                problems.Add($"{where} must state \"maximum\": {Text(range.Maximum)}; {attribute}.");
            }
            else if (unbounded && statesMaximum)
            {
                problems.Add($"{where} states a maximum; {attribute}, which has none.");
            }
        }

        Assert.True(problems.Count == 0, Report(problems));
    }

    /// <summary>Public properties configuration could set: settable ones, and collections it could fill.</summary>
    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.SetMethod is { IsPublic: true } || IsCollection(p.PropertyType)));

    private static bool IsCollection(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IList<>) || type.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    /// <summary>Walks the options types from the sections under <c>LlmRouter</c> into the options-typed properties they hold.</summary>
    private static List<Place> FindPlaces()
    {
        var places = new List<Place>();
        JsonElement root = Definition("LlmRouter").GetProperty("properties");
        foreach ((string key, Type options, bool named) in Sections)
        {
            if (!root.TryGetProperty(key, out JsonElement node))
            {
                continue;
            }

            string pointer = "#/definitions/LlmRouter/properties/" + key;
            string path = "LlmRouter:" + key;
            if (named)
            {
                pointer = node.GetProperty("additionalProperties").GetProperty("$ref").GetString()!;
                node = Resolve(pointer);
                path += ":{name}";
            }

            Visit(places, path, options, node, pointer);
        }

        return places;
    }

    private static void Visit(List<Place> places, string path, Type options, JsonElement node, string pointer)
    {
        string[] readerKeys = Bindings.TryGetValue(options, out Binding? binding) ? binding.Keys : [];
        string[] schemaKeys = node.TryGetProperty("properties", out JsonElement properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];
        var place = new Place(path, options, pointer, node, readerKeys, schemaKeys);
        places.Add(place);
        foreach (PropertyInfo property in Settable(options))
        {
            Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (Bindings.ContainsKey(type) && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out JsonElement nested))
            {
                Visit(places, $"{path}:{property.Name}", type, nested, $"{pointer}/properties/{property.Name}");
            }
            else if (ListItem(type) is { } item && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out JsonElement list)
                && list.TryGetProperty("items", out JsonElement items))
            {
                Visit(places, $"{path}:{property.Name}:{{index}}", item, items, $"{pointer}/properties/{property.Name}/items");
            }
            else if (NamedItem(type) is { } named && properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out JsonElement map)
                && map.TryGetProperty("additionalProperties", out JsonElement entry) && entry.TryGetProperty("$ref", out JsonElement reference))
            {
                Visit(places, $"{path}:{property.Name}:{{name}}", named, Resolve(reference.GetString()!), reference.GetString()!);
            }
        }
    }

    /// <summary>The options type a list property holds (a price's <see cref="ModelPrice.Tiers"/>), or <see langword="null"/>.</summary>
    private static Type? ListItem(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) && Bindings.ContainsKey(type.GetGenericArguments()[0])
            ? type.GetGenericArguments()[0]
            : null;

    /// <summary>The options type a dictionary of named options holds (the response cache's routes, a price's service tiers), or <see langword="null"/>.</summary>
    private static Type? NamedItem(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IDictionary<,>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            && type.GetGenericArguments()[0] == typeof(string)
            && Bindings.ContainsKey(type.GetGenericArguments()[1])
            ? type.GetGenericArguments()[1]
            : null;

    /// <summary>Every property of a bound options type with its schema entry.</summary>
    private static IEnumerable<(Place Place, PropertyInfo Property, JsonElement Node)> SchemaEntries()
    {
        foreach (Place place in Places)
        {
            if (!place.Node.TryGetProperty("properties", out JsonElement properties))
            {
                continue;
            }

            foreach (PropertyInfo property in Settable(place.Options))
            {
                if (properties.TryGetProperty(property.Name, out JsonElement node))
                {
                    yield return (place, property, node);
                }
            }
        }
    }

    /// <summary>Collects the string lists under "enum" in a node and the alternatives and items it holds.</summary>
    private static void CollectEnums(JsonElement node, List<string[]> found)
    {
        if (node.TryGetProperty("enum", out JsonElement values))
        {
            found.Add([.. values.EnumerateArray().Select(v => v.GetString()!)]);
        }

        foreach (string alternative in (string[])["oneOf", "anyOf"])
        {
            if (node.TryGetProperty(alternative, out JsonElement options))
            {
                foreach (JsonElement option in options.EnumerateArray())
                {
                    CollectEnums(option, found);
                }
            }
        }

        if (node.TryGetProperty("items", out JsonElement items))
        {
            CollectEnums(items, found);
        }
    }

    /// <summary>The durations (or "none") that descriptions of a node give as the default, as in "default 00:00:00.200".</summary>
    private static IEnumerable<string> DescribedDurations(JsonElement node)
    {
        var descriptions = new List<string>();
        if (node.TryGetProperty("description", out JsonElement description))
        {
            descriptions.Add(description.GetString()!);
        }

        if (node.TryGetProperty("oneOf", out JsonElement options))
        {
            descriptions.AddRange(options.EnumerateArray().Where(o => o.TryGetProperty("description", out _)).Select(o => o.GetProperty("description").GetString()!));
        }

        return descriptions.SelectMany(d => DefaultDuration().Matches(d).Select(m => m.Groups[1].Value)).Distinct();
    }

    private static bool SameValue(JsonElement stated, object? value) => stated.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => value is bool b && b == stated.GetBoolean(),
        JsonValueKind.Number => value is not null && !value.GetType().IsEnum && Convert.ToDecimal(value, CultureInfo.InvariantCulture) == stated.GetDecimal(),
        JsonValueKind.String => value is TimeSpan duration
            ? TimeSpan.TryParse(stated.GetString(), CultureInfo.InvariantCulture, out TimeSpan parsed) && parsed == duration
            : string.Equals(Convert.ToString(value, CultureInfo.InvariantCulture), stated.GetString(), StringComparison.Ordinal),
        JsonValueKind.Null => value is null,
        _ => false,
    };

    private static string Text(object? value) => value switch
    {
        null => "null",
        string text => $"'{text}'",
        TimeSpan duration => duration.ToString("c", CultureInfo.InvariantCulture),
        IDictionary map => "{ " + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{Text(k)}: {Text(map[k])}")) + " }",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Text)) + "]",
        _ when ReferenceEquals(value, Sample.NotRead) => "nothing (the section holding it was not read)",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    /// <summary>Compares values, lists by their items and dictionaries by their entries (with the actual dictionary's key comparer), nested ones alike.</summary>
    private static bool Same(object? expected, object? actual) => (expected, actual) switch
    {
        (IDictionary wanted, IDictionary got) => wanted.Count == got.Count && wanted.Keys.Cast<object>().All(k => got.Contains(k) && Same(wanted[k], got[k])),
        (IEnumerable wanted and not string, IEnumerable got and not string) => wanted.Cast<object?>().SequenceEqual(got.Cast<object?>()),
        _ => Equals(expected, actual),
    };

    private static string Report(List<string> problems) =>
        $"{problems.Count} options, configuration keys and schema entries out of step:{Environment.NewLine}" + string.Join(Environment.NewLine, problems);

    private static JsonElement Definition(string name) => Schema.GetProperty("definitions").GetProperty(name);

    /// <summary>Resolves a local JSON pointer such as <c>#/definitions/Provider</c>.</summary>
    private static JsonElement Resolve(string pointer)
    {
        JsonElement node = Schema;
        foreach (string segment in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetProperty(segment);
        }

        return node;
    }

    private static JsonElement LoadSchema()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRouter.sln")))
        {
            directory = directory.Parent;
        }

        string path = Path.Combine(directory!.FullName, "src", "LlmRouter", "ConfigurationSchema.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    [GeneratedRegex(@"\bdefault (none|-?(?:\d+\.)?\d{1,2}:\d{2}:\d{2}(?:\.\d{1,7})?)\b")]
    private static partial Regex DefaultDuration();

    /// <summary>Where an options type is bound: its configuration path, its schema node, and the keys the reader and the schema know there.</summary>
    private sealed record Place(string Path, Type Options, string Pointer, JsonElement Node, string[] ReaderKeys, string[] SchemaKeys)
    {
        /// <summary>Gets the reader's keys that set a property of <see cref="Options"/>, leaving out the reader-only ones.</summary>
        public HashSet<string> BindingKeys { get; } = [.. ReaderKeys.Where(k => !ReaderOnly.ContainsKey((Options, k)))];
    }

    /// <summary>How the reader reads the section of an options type.</summary>
    /// <param name="Keys">The keys the reader knows in the section, in the order of the schema.</param>
    /// <param name="Read">Reads a section into new options, as the reader does for this type.</param>
    /// <param name="Sets">Tells whether a key sets a property of the type (rather than being read apart).</param>
    private sealed record Binding(string[] Keys, Func<ConfigurationReader, IConfigurationSection, object?> Read, Func<string, bool> Sets)
    {
        public static Binding Of<T>(ConfigurationReader.SectionKeys<T> keys)
            where T : new() => new([.. keys.Names], (reader, section) => reader.Read(section, keys, new T()), keys.Sets);
    }

    /// <summary>
    /// A configuration that gives every key of an options type (nested options included) a value unlike its default and unlike
    /// every other key's, with the checks of what the reader must then hold, so a key read into the wrong property or not at all shows.
    /// </summary>
    private sealed class Sample
    {
        /// <summary>Stands for a property whose holder is missing, such as hedging options that were never read.</summary>
        public static readonly object NotRead = new();

        private int _next;

        public Dictionary<string, string?> Data { get; } = new(StringComparer.OrdinalIgnoreCase);

        public List<(string Where, Func<object?, object?> Actual, object? Expected)> Checks { get; } = [];

        public List<string> Problems { get; } = [];

        public void Fill(Type options, string path, Func<object?, object?> holder)
        {
            object? defaults = options.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(options);
            Binding binding = Bindings[options];
            foreach (PropertyInfo property in Settable(options).Where(p => binding.Keys.Contains(p.Name) && binding.Sets(p.Name) && !CodeOnly.ContainsKey((options, p.Name))))
            {
                string key = $"{path}:{property.Name}";
                object? Actual(object? root) => holder(root) is { } value && !ReferenceEquals(value, NotRead) ? property.GetValue(value) : NotRead;
                Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (Bindings.ContainsKey(type))
                {
                    Fill(type, key, Actual);
                    continue;
                }

                if (ListItem(type) is { } item)
                {
                    Fill(item, key + ":0", root => Actual(root) is IEnumerable list ? list.Cast<object?>().FirstOrDefault() ?? NotRead : NotRead);
                    continue;
                }

                if (NamedItem(type) is { } named)
                {
                    // A type that holds named items of its own type (a service tier's price) is sampled one level deep.
                    if (named != options || !path.Contains($":{property.Name}:", StringComparison.Ordinal))
                    {
                        Fill(named, key + ":sample", root => Actual(root) is { } map && map != NotRead ? Entry(map, "sample") : NotRead);
                    }

                    continue;
                }

                int n = ++_next;
                object? expected = Write(type, key, defaults is null ? null : property.GetValue(defaults), n);
                if (ReferenceEquals(expected, NotRead))
                {
                    Problems.Add($"{options.Name}.{property.Name}: the test has no sample for {type.Name}; teach Sample.Write one.");
                    continue;
                }

                Checks.Add(($"{options.Name}.{property.Name} ({key})", Actual, expected));
            }
        }

        /// <summary>The entry named <paramref name="name"/> of a dictionary, writable or read-only, or <see cref="NotRead"/>.</summary>
        private static object? Entry(object map, string name) => map switch
        {
            IDictionary dictionary => dictionary.Contains(name) ? dictionary[name] : NotRead,
            IEnumerable entries => entries.Cast<object>()
                .Select(e => (Key: e.GetType().GetProperty("Key")?.GetValue(e) as string, Value: e.GetType().GetProperty("Value")?.GetValue(e)))
                .FirstOrDefault(e => string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } found ? found.Value : NotRead,
            _ => NotRead,
        };

        /// <summary>Writes the <paramref name="n"/>th sample of <paramref name="type"/> under <paramref name="key"/> and returns the value it must read as.</summary>
        private object? Write(Type type, string key, object? current, int n)
        {
            string text = "sample-" + n.ToString(CultureInfo.InvariantCulture);
            switch (type)
            {
                case var t when t == typeof(string):
                    Data[key] = text;
                    return text;
                case var t when t == typeof(int):
                    Data[key] = (100 + n).ToString(CultureInfo.InvariantCulture);
                    return 100 + n;
                case var t when t == typeof(long):
                    Data[key] = (100_000L + n).ToString(CultureInfo.InvariantCulture);
                    return 100_000L + n;
                case var t when t == typeof(double):
                    Data[key] = (100.25 + n).ToString(CultureInfo.InvariantCulture);
                    return 100.25 + n;
                case var t when t == typeof(decimal):
                    Data[key] = (100.25m + n).ToString(CultureInfo.InvariantCulture);
                    return 100.25m + n;
                case var t when t == typeof(bool):
                    bool flipped = current is not true;
                    Data[key] = flipped ? "true" : "false";
                    return flipped;
                case var t when t == typeof(TimeSpan):
                    TimeSpan duration = TimeSpan.FromSeconds(1000 + n);
                    Data[key] = duration.ToString("c", CultureInfo.InvariantCulture);
                    return duration;
                case var t when t == typeof(Uri):
                    var uri = new Uri($"https://{text}.example/v1");
                    Data[key] = uri.OriginalString;
                    return uri;
                case { IsEnum: true }:
                    object value = Enum.GetValues(type).Cast<object>().Last(v => !Equals(v, current) && Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0);
                    Data[key] = value.ToString();
                    return value;
                case { IsGenericType: true } t when t.GetGenericTypeDefinition() == typeof(IList<>) && t.GetGenericArguments()[0] == typeof(string):
                    Data[key + ":0"] = text + "-a";
                    Data[key + ":1"] = text + "-b";
                    return new[] { text + "-a", text + "-b" };
                case { IsGenericType: true } t when t.GetGenericTypeDefinition() == typeof(IDictionary<,>):
                    return WriteEntry(t.GetGenericArguments()[0], t.GetGenericArguments()[1], key, n);
                default:
                    return NotRead;
            }
        }

        /// <summary>Writes one entry of a dictionary option, with a key and a value of its types.</summary>
        private object WriteEntry(Type keyType, Type valueType, string key, int n)
        {
            object entryKey = keyType.IsEnum ? Enum.GetValues(keyType).Cast<object>().Last() : (object)$"Entry-{n}";
            object? value = Write(valueType, $"{key}:{entryKey}", null, n);
            if (ReferenceEquals(value, NotRead))
            {
                return NotRead;
            }

            var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(keyType, valueType))!;
            map[entryKey] = value;
            return map;
        }
    }
}
