using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Autopack.Llm;

/// <summary>
/// Registers the providers (typed HttpClients) and their pipelines. The budgeted client that
/// charges calls to the token ledger is the executor's (it composes Llm with Storage), registered by its host.
/// </summary>
public static class LlmServiceCollectionExtensions
{
    public static IServiceCollection AddAutopackLlm(this IServiceCollection services, LlmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.TryAddSingleton(settings);
        services.AddSingleton(sp => new OfflineProvider(
            PromptTokenCounter.OfflineModel, TimeSpan.FromMilliseconds(settings.OfflineLatencyMs), sp.GetRequiredService<TimeProvider>()));

        // Typed clients; the pipelines time out each attempt, so the HttpClient itself never gives up first.
        services.AddHttpClient<OpenAiChatProvider>(c =>
        {
            c.BaseAddress = WithTrailingSlash(settings.OpenAiBaseUrl);
            c.Timeout = Timeout.InfiniteTimeSpan;
        });
        if (LlmFeatures.AnthropicSdk)
        {
            services.AddHttpClient<AnthropicMessagesProvider>(c =>
            {
                c.BaseAddress = WithTrailingSlash(settings.AnthropicBaseUrl);
                c.Timeout = Timeout.InfiniteTimeSpan;
            });
        }

        // The catalog is a singleton that builds a provider when a call first names it (a provider registered as
        // ILlmProvider, by a host or a test, takes its name's place); the typed clients' handlers are pooled and
        // rotated by the factory.
        services.AddSingleton(sp =>
        {
            var factories = new Dictionary<string, Func<ILlmProvider>>(StringComparer.Ordinal)
            {
                [OfflineProvider.ProviderName] = sp.GetRequiredService<OfflineProvider>,
                [OpenAiChatProvider.ProviderName] = sp.GetRequiredService<OpenAiChatProvider>,
            };
            if (LlmFeatures.AnthropicSdk)
            {
                factories[AnthropicMessagesProvider.ProviderName] = sp.GetRequiredService<AnthropicMessagesProvider>;
            }

            return new ProviderCatalog(sp.GetServices<ILlmProvider>(), factories);
        });
        services.AddSingleton(sp => new ProviderPipelines(
            ProviderCatalog.KnownNames,
            new ResilienceOptions
            {
                BreakDuration = TimeSpan.FromSeconds(settings.BreakerBreakSeconds),
                AttemptTimeout = TimeSpan.FromSeconds(settings.ProviderTimeoutSeconds),
            },
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Relative paths resolve under the base URL's path only when it ends in '/'.</summary>
    public static Uri WithTrailingSlash(string url) => new(url.EndsWith('/') ? url : url + "/");
}
