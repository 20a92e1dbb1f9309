namespace Autopack.Domain.Settings;

/// <summary>
/// Marks a setting that holds a credential (an API key): <see cref="AutopackSettings"/>'s ToString shows only whether
/// it is set, so printing or logging settings never prints a key.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
