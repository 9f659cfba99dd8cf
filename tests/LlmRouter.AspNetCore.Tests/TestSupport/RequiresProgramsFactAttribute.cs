namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>
/// A test that drives an external program (a browser, node): skipped, with a message saying what to install, on a
/// developer machine without it; run in CI (<c>CI=true</c>, set by <c>.ci/run</c>, which installs the programs), where a
/// missing program fails the test instead of hiding it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresProgramsFactAttribute : FactAttribute
{
    public RequiresProgramsFactAttribute(params string[] programs)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            return;
        }

        string[] missing = [.. programs.Where(p => ExternalPrograms.Find(p) is null)];
        if (missing.Length > 0)
        {
            Skip = $"Needs {string.Join(" and ", missing)} on PATH (Debian: apt-get install {string.Join(' ', missing.Select(ExternalPrograms.DebianPackage))}); .ci/run installs them.";
        }
    }
}
