using System.Globalization;
using Autopack.Storage.Database;
using Autopack.Storage.Database.CompiledModel;
using Autopack.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Autopack.Storage.Tests.Database;

/// <summary>
/// The compiled model is generated code: if someone changes <see cref="AutopackDbContext"/>'s configuration or an
/// entity and forgets <c>dotnet ef dbcontext optimize</c>, these fail instead of queries reading the wrong columns.
/// </summary>
public class CompiledModelTests
{
    private TempDirectory directory = null!;
    private SqliteDatabase database = null!;

    [SetUp]
    public void SetUp()
    {
        directory = new TempDirectory("autopack-model");
        database = new SqliteDatabase(directory.Combine("autopack.db"));
        new DatabaseMigrator(database).MigrateUp();
    }

    [TearDown]
    public void TearDown() => directory.Dispose();

    [Test]
    public void CreateContext_UsesTheCompiledModel_AndItDescribesWhatTheConfigurationBuilds()
    {
        using var compiled = database.CreateContext();
        using var configured = database.CreateContextFromConfiguration();

        Assert.Multiple(() =>
        {
            Assert.That(compiled.Model, Is.SameAs(AutopackDbContextModel.Instance));
            Assert.That(configured.Model, Is.Not.SameAs(AutopackDbContextModel.Instance), "the configured model must be built from the configuration for the comparison to mean anything");
            Assert.That(Describe(compiled.Model), Is.EqualTo(Describe(configured.Model)), "regenerate: dotnet ef dbcontext optimize (see src/Autopack.Storage/README.md)");
        });
    }

    [Test]
    public void Model_EveryMappedColumn_ExistsInTheMigratedSchema()
    {
        using var db = database.CreateContext();
        var missing = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var columns = Sql.Column(database, $"SELECT name FROM pragma_table_info('{table}')");
            Assert.That(columns, Is.Not.Empty, $"table {table} exists");
            var store = StoreObjectIdentifier.Table(table);
            missing.AddRange(entity.GetProperties().Select(p => p.GetColumnName(store)!).Where(c => !columns.Contains(c)).Select(c => $"{table}.{c}"));
        }

        Assert.That(missing, Is.Empty, "columns the EF model maps that the migrations did not create");
    }

    private static List<string> Describe(IReadOnlyModel model) =>
        [.. model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal).SelectMany(DescribeEntity)];

    private static IEnumerable<string> DescribeEntity(IReadOnlyEntityType entity)
    {
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table);
        yield return $"{entity.Name} -> {table} key({string.Join(",", entity.FindPrimaryKey()!.Properties.Select(p => p.Name))})";
        foreach (var p in entity.GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"  {p.Name} {p.ClrType.Name} -> {p.GetColumnName(store)} null={p.IsNullable} conv={p.GetValueConverter()?.GetType().Name} gen={p.ValueGenerated}");
        }

        foreach (var fk in entity.GetForeignKeys().OrderBy(f => string.Join(",", f.Properties.Select(p => p.Name)), StringComparer.Ordinal))
        {
            yield return $"  fk({string.Join(",", fk.Properties.Select(p => p.Name))}) -> {fk.PrincipalEntityType.Name} nav={fk.DependentToPrincipal?.Name}/{fk.PrincipalToDependent?.Name}";
        }
    }
}
