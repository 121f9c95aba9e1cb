using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Chaperone.Storage;

/// <summary>
/// An EF Core compiled query for each model it runs against. A compiled query skips the per-call
/// work of turning a LINQ expression into SQL, but EF binds it to the first model it meets; one
/// process may hold several models (SQLite and PostgreSQL contexts, several app instances), so
/// each model gets its own compilation.
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = new();

    public TQuery For(DbContext db) => _byModel.GetValue(db.Model, _ => compile());
}
