using Microsoft.EntityFrameworkCore.Design;

namespace Autopack.Storage.Database;

/// <summary>
/// Lets <c>dotnet ef dbcontext optimize</c> build the context to generate the compiled model; never used at run time.
/// The path is a placeholder: generating the model opens no connection.
/// </summary>
internal sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<AutopackDbContext>
{
    public AutopackDbContext CreateDbContext(string[] args) => new SqliteDatabase("design-time.db").CreateContextFromConfiguration();
}
