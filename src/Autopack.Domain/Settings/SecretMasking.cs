using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Autopack.Domain.Settings;

/// <summary>
/// The ToString of a settings record that holds a credential: every public property printed as a record prints
/// it, except those marked <see cref="SecretAttribute"/>, which show only whether they are set.
/// </summary>
public static class SecretMasking
{
    /// <summary>Call from a record's <c>PrintMembers</c>: <c>private bool PrintMembers(StringBuilder b) =&gt; SecretMasking.PrintMembers(this, b);</c></summary>
    public static bool PrintMembers<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(T settings, StringBuilder builder)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(builder);
        var first = true;
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            builder.Append(first ? string.Empty : ", ").Append(property.Name).Append(" = ");
            first = false;
            var value = property.GetValue(settings);
            if (property.IsDefined(typeof(SecretAttribute)))
            {
                builder.Append(value is null ? "(unset)" : "(set)");
            }
            else
            {
                builder.Append(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value);
            }
        }

        return true;
    }
}
