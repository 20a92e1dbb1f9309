using Autopack.Domain.Settings;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tokens;
using Autopack.Storage.Budgets;

namespace Autopack.Executor.Calls;

/// <summary>
/// Every provider call goes through here: count the prompt with the real tokenizer, reserve the worst case
/// against phase and run (shrinking max output to the headroom, or refusing), call through the provider's
/// Polly pipeline, then write the usage row before the caller sees the reply. A failed or cancelled call
/// releases its reservation.
/// </summary>
public sealed class BudgetedLlmClient(
    TokenLedger ledger,
    ProviderCatalog providers,
    ProviderPipelines pipelines,
    PromptTokenCounter counter,
    AutopackSettings settings)
{
    /// <summary>The one-shot shape: a system and a user prompt, no tools.</summary>
    /// <exception cref="BudgetRefusedException">the budget has nothing useful left.</exception>
    public Task<LlmCallResult> CallAsync(CallTarget target, string role, string systemPrompt, string userPrompt, bool offlineReject, CancellationToken cancellationToken) =>
        CallAsync(target, LlmRequest.FromPrompts(role, systemPrompt, userPrompt, settings.MaxOutputTokens, offlineReject), cancellationToken);

    /// <summary>
    /// One provider call (one agent turn): the whole request (conversation and tool definitions) is counted and
    /// reserved with the output's worst case, the call is sent with max output shrunk to what was granted, and the
    /// reservation is settled to the reported usage (released when the call fails or is cancelled).
    /// <see cref="LlmRequest.MaxOutputTokens"/> is the most the caller wants; the settings' maximum caps it.
    /// </summary>
    /// <exception cref="BudgetRefusedException">the budget has nothing useful left.</exception>
    /// <exception cref="ProviderUnavailableException">the provider's breaker is open.</exception>
    public async Task<LlmCallResult> CallAsync(CallTarget target, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var provider = providers.Get(target.Provider);
        var promptTokens = counter.CountRequest(request);
        var maxOutput = Math.Min(request.MaxOutputTokens, settings.MaxOutputTokens);
        var minOutput = Math.Min(settings.MinOutputTokens, maxOutput);
        var reservation = await ledger.ReserveAsync(
            target.RunId, target.PhaseId, promptTokens, maxOutput, minOutput, target.OwnerId, cancellationToken).ConfigureAwait(false);
        if (!reservation.Granted)
        {
            throw new BudgetRefusedException(reservation.Decision.LimitingScope!.Value, reservation.Decision.Reason!);
        }

        LlmResponse response;
        try
        {
            var granted = request with { MaxOutputTokens = (int)reservation.Decision.MaxOutputTokens };
            response = await pipelines.ExecuteAsync(provider, granted, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The reservation goes back whatever happened; CancellationToken.None because the caller's token may be the reason we are here.
            await ledger.ReleaseAsync(reservation, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var usage = new UsageRecord(target.PhaseName, provider.Name, response.Model, request.Role, response.PromptTokens, response.CompletionTokens);
        var settlement = await ledger.SettleAsync(reservation, usage, CancellationToken.None).ConfigureAwait(false);
        return new LlmCallResult(response, settlement, reservation.Decision.Shrunk);
    }
}
