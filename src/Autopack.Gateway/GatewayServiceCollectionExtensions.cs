using Autopack.Domain.Budgets;
using Autopack.Llm;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autopack.Gateway;

/// <summary>Registers the metered endpoint: one per process, started when an attempt first asks for it.</summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddAutopackGateway(this IServiceCollection services)
    {
        services.AddSingleton(sp => new MeteredEndpoint(
            sp.GetRequiredService<TokenLedger>(),
            sp.GetRequiredService<ProviderCatalog>(),
            sp.GetRequiredService<ProviderPipelines>(),
            sp.GetRequiredService<LlmSettings>(),
            sp.GetRequiredService<BudgetSettings>(),
            sp.GetRequiredService<ILogger<MeteredEndpoint>>()));
        return services;
    }
}
