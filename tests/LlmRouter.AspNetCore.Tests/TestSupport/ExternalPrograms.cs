namespace LlmRouter.AspNetCore.Tests.TestSupport;

/// <summary>Finds the external programs some tests drive, and the repository folders they use.</summary>
internal static class ExternalPrograms
{
    /// <summary>Returns the full path of <paramref name="program"/> on PATH, or <see langword="null"/>.</summary>
    public static string? Find(string program)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Returns <paramref name="program"/>'s full path, or fails the test saying how to install it.</summary>
    public static string Require(string program) =>
        Find(program) ?? throw new InvalidOperationException($"{program} is not on PATH; install Debian's {DebianPackage(program)} (.ci/run does).");

    public static string DebianPackage(string program) => program switch
    {
        "chromedriver" => "chromium-driver",
        "node" => "nodejs",
        _ => program,
    };

    /// <summary>Gets the repository's root: the folder holding LlmRouter.sln above the test's output folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "LlmRouter.sln")))
                {
                    return folder.FullName;
                }
            }

            throw new InvalidOperationException($"No LlmRouter.sln above {AppContext.BaseDirectory}.");
        }
    }
}
