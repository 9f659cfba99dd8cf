// An ASP.NET Core minimal API in front of an LlmRouter configured from appsettings.json (section "LlmRouter").
// It starts without API keys: the "local-llama" deployment points at a local Ollama server, and when none runs the
// router falls back to simulated deployments registered in code. Edit appsettings.json while it runs: routes and
// deployments reload without a restart.
WebApi.WebApiApp.Build(args).Run();
