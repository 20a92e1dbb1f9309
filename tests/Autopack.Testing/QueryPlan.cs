using Autopack.Storage.Database;
using Microsoft.Data.Sqlite;

namespace Autopack.Testing;

/// <summary>
/// Which tables and indexes a query reads, by name, and how: read from the statement's bytecode (<c>EXPLAIN</c>), not
/// from the wording of <c>EXPLAIN QUERY PLAN</c>. Each b-tree the statement opens for reading is named from its root
/// page in <c>sqlite_schema</c>; one the program walks from an end (<c>Rewind</c>, <c>Last</c>) or counts whole is scanned, one it
/// only seeks into is searched.
/// </summary>
public sealed record QueryPlan(IReadOnlyList<QueryPlan.Read> Reads)
{
    /// <summary>The names of the b-trees read: a table's name, or an index's.</summary>
    public IReadOnlyList<string> Names => Reads.Select(r => r.Name).Distinct().ToList();

    /// <summary>The names of the b-trees read from end to end (a full scan of a table or an index).</summary>
    public IReadOnlyList<string> Scanned => Reads.Where(r => r.Scanned).Select(r => r.Name).Distinct().ToList();

    /// <summary>The names of the b-trees only sought into (by key, range or rowid).</summary>
    public IReadOnlyList<string> Searched => Reads.Where(r => !r.Scanned).Select(r => r.Name).Distinct().ToList();

    public static QueryPlan Of(SqliteDatabase database, string sql, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.Open();
        var names = new Dictionary<long, (string Name, string Table)>();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = "SELECT rootpage, name, tbl_name FROM sqlite_schema WHERE rootpage > 0";
            using var rows = schema.ExecuteReader();
            while (rows.Read())
            {
                names[rows.GetInt64(0)] = (rows.GetString(1), rows.GetString(2));
            }
        }

        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN " + sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var opened = new Dictionary<long, (string Name, string Table)>();
        var walked = new HashSet<long>();
        using (var program = explain.ExecuteReader())
        {
            while (program.Read())
            {
                var (opcode, cursor) = (program.GetString(1), program.GetInt64(2));
                if (opcode == "OpenRead" && program.GetInt64(4) == 0 && names.TryGetValue(program.GetInt64(3), out var btree))
                {
                    opened[cursor] = btree;
                }
                else if (opcode is "Rewind" or "Last" or "Count")
                {
                    walked.Add(cursor);
                }
            }
        }

        return new QueryPlan(opened.Select(o => new Read(o.Value.Name, o.Value.Table, walked.Contains(o.Key))).ToList());
    }

    public override string ToString() => string.Join(", ", Reads.Select(r => $"{(r.Scanned ? "scan" : "search")} {r.Name}"));

    /// <summary>One b-tree the statement reads: its name, the table it belongs to, and whether it is scanned.</summary>
    public sealed record Read(string Name, string Table, bool Scanned);
}
