namespace Autopack.Migrations;

/// <summary>The database types a migration's <c>IfDatabase</c> names, as FluentMigrator's processors call themselves.</summary>
public static class ProcessorIds
{
    public const string SQLite = "SQLite";

    public const string Postgres = "PostgreSQL";
}
