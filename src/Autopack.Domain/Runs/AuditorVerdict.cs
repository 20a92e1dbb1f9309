namespace Autopack.Domain.Runs;

/// <summary>
/// The auditor approves when its reply begins with the word APPROVED (any case, punctuation after it allowed);
/// anything else is a rejection whose text goes to the builder's next attempt.
/// </summary>
public static class AuditorVerdict
{
    private const string Word = "APPROVED";

    public static bool IsApproved(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var text = reply.TrimStart();
        if (!text.StartsWith(Word, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return text.Length == Word.Length || !char.IsLetterOrDigit(text[Word.Length]);
    }
}
