namespace LlmRouter.Tests.Providers;

/// <summary>
/// For tests of a router over two provider deployments: a primary and a backup loopback server, started before each test and
/// stopped after it.
/// </summary>
public abstract class PrimaryAndBackupServers : IAsyncLifetime
{
    internal LoopbackServer Primary { get; private set; } = null!;

    internal LoopbackServer Backup { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Primary = await LoopbackServer.StartAsync();
        Backup = await LoopbackServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Primary.DisposeAsync();
        await Backup.DisposeAsync();
    }
}
