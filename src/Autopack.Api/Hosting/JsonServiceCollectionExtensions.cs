using System.Text.Json;

namespace Autopack.Api.Hosting;

/// <summary>The API speaks snake_case JSON (SPEC), statuses by their SPEC names (<c>DONE_SUCCESS</c>).</summary>
public static class JsonServiceCollectionExtensions
{
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DictionaryKeyPolicy = null;
        });
}
