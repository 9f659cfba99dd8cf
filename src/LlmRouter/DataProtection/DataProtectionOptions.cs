namespace LlmRouter;

/// <summary>
/// What a route does with sensitive data in its requests (<see cref="RouteOptions.DataProtection"/>): which kinds to look for,
/// with which custom patterns and keywords, and what to do when a request holds some. A request can choose another action
/// with <see cref="LlmRouterRequestProperties.DataProtection"/>.
/// </summary>
/// <remarks>
/// The requested route's settings apply to the whole request, its tiers, variants and fallback routes included. Read when the
/// router is built; changing an instance afterwards has no effect on a built router.
/// </remarks>
public sealed class DataProtectionOptions
{
    /// <summary>Gets or sets what is done with a request that holds sensitive data of the <see cref="Kinds"/>.</summary>
    /// <value>The default is <see cref="DataProtectionAction.Allow"/>: messages are not scanned.</value>
    public DataProtectionAction Action { get; set; } = DataProtectionAction.Allow;

    /// <summary>
    /// Gets or sets the kinds looked for: names of <see cref="SensitiveDataKinds"/>, of <see cref="Patterns"/> and
    /// <see cref="Keywords"/>, or of detectors added with <see cref="LlmRouterBuilder.AddSensitiveDataDetector"/>.
    /// </summary>
    /// <value>The default is empty: every built-in kind, custom pattern, keyword list and added detector.</value>
    public IList<string> Kinds { get; set; } = [];

    /// <summary>
    /// Gets or sets custom kinds found by regular expressions, by kind name, for example
    /// <c>{ "EmployeeId": "\\bEMP-\\d{6}\\b" }</c>. Every text is searched with each (no prefilter), so keep them simple.
    /// </summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, string> Patterns { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets custom kinds found by words or phrases, by kind name, for example <c>{ "Project": [ "Orion", "Helios" ] }</c>;
    /// matched case-insensitively as whole words.
    /// </summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, IList<string>> Keywords { get; set; } = new Dictionary<string, IList<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the country (ISO 3166 code such as <c>US</c>, <c>GB</c> or <c>DE</c>) whose national phone numbers are found;
    /// numbers written with <c>+</c> and a country code are found for every country.
    /// </summary>
    /// <value>The default is <c>US</c>.</value>
    public string PhoneRegion { get; set; } = "US";
}
