namespace Autopack.Api.Security;

/// <summary>The API key check for mutating requests.</summary>
public static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddApiKeyCheck(this IServiceCollection services) =>
        services.AddSingleton<ApiKeyVerifier>();
}
