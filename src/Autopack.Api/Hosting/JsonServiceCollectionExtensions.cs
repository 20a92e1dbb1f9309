using System.Text.Json;
using System.Text.Json.Serialization;
using Autopack.Domain.Runs;

namespace Autopack.Api.Hosting;

/// <summary>
/// The API speaks snake_case JSON (SPEC), statuses by their SPEC names (<c>DONE_SUCCESS</c>): a run's status is sent
/// as the enum's name in upper snake case, which is its SPEC name (the views of phases carry theirs as text).
/// </summary>
public static class JsonServiceCollectionExtensions
{
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DictionaryKeyPolicy = null;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter<RunStatus>(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        });
}
