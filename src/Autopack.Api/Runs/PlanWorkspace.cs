using Autopack.Domain.Plans;
using Autopack.Storage.Runs;
using Autopack.Workspace.Git;

namespace Autopack.Api.Runs;

/// <summary>
/// Checks a plan's <c>workspace</c> before its run is stored, for POST /runs and <c>autopack runs create</c> alike:
/// the repository must exist and be a git repository, the base must resolve to a commit. A refusal names the field.
/// </summary>
public static class PlanWorkspace
{
    /// <exception cref="PlanValidationException">the repository or base is refused.</exception>
    public static async Task<WorkspaceOrigin?> ResolveAsync(RunPlan plan, RunWorkspaces git, string workingDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(git);
        if (plan.Workspace is not { } workspace)
        {
            return null;
        }

        if (workspace.Repository is null)
        {
            return workspace.Base is null
                ? null
                : throw new PlanValidationException("workspace.base", "needs workspace.repository (a run without one starts from an empty repository)");
        }

        try
        {
            var check = await git.ValidateAsync(workspace.Repository, workspace.Base, workingDirectory, cancellationToken).ConfigureAwait(false);
            return new WorkspaceOrigin(check.RepositoryPath, check.BaseCommit);
        }
        catch (WorkspaceException ex)
        {
            throw new PlanValidationException(ex.Field, ex.Message);
        }
    }
}
