namespace Autopack.Domain.Settings;

/// <summary>
/// Marks a setting that holds a credential (an API key): its record's ToString (<see cref="SecretMasking"/>) shows
/// only whether it is set, so printing or logging settings never prints a key.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
