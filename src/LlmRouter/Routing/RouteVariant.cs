namespace LlmRouter;

/// <summary>One variant of an A/B route: the route that serves it and its share of traffic.</summary>
internal sealed record RouteVariant(Route Route, double Weight);
