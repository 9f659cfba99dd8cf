namespace LlmRouter;

/// <summary>Checks a route's <see cref="RouteOptions.Stages"/> when the router is built: each stage named, and served by a route that has deployments of its own.</summary>
internal static class StageValidation
{
    public static void Validate(string route, IDictionary<string, string> stages, List<(string Name, RouteOptions Options)> routes, List<string> errors)
    {
        string known = RouterValidation.JoinNames(routes.Select(r => r.Name));
        foreach ((string stage, string target) in stages)
        {
            if (string.IsNullOrWhiteSpace(stage))
            {
                errors.Add($"Route '{route}' has a stage without a name; name each stage (for example \"plan\", \"act\", \"validate\").");
                continue;
            }

            (string Name, RouteOptions Options) found = routes.Find(r => string.Equals(r.Name, target, StringComparison.OrdinalIgnoreCase));
            if (target is null || found.Options is null)
            {
                errors.Add($"Route '{route}' sends stage '{stage}' to unknown route '{target}'. Known routes: {known}.");
            }
            else if (RouterValidation.Dispatches(found.Options))
            {
                // A stage's route serves with its own deployments, so a stage never dispatches again (and never in a cycle).
                errors.Add($"Route '{route}' sends stage '{stage}' to route '{found.Name}', which dispatches to other routes; send it to a route with deployments of its own.");
            }
        }
    }
}
