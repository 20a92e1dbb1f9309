using System.Net.Sockets;
using Autopack.Domain.Settings;

namespace Autopack.Api.Hosting;

/// <summary>
/// Kestrel could not listen where the settings say: the port is taken (an IOException over
/// <see cref="SocketError.AddressAlreadyInUse"/>), or the address is not one this machine has or can bind
/// (a <see cref="SocketException"/>). Either is the setting's fault, said in one line naming it, not a stack trace.
/// </summary>
public static class BindFailure
{
    public static SettingsException? Describe(Exception exception, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var socket = SocketErrorOf(exception);
        if (socket is null && exception is not IOException)
        {
            return null;
        }

        var reason = socket?.Message ?? exception.Message;
        return socket?.SocketErrorCode == SocketError.AddressAlreadyInUse || exception is Microsoft.AspNetCore.Connections.AddressInUseException
            ? new SettingsException("AUTOPACK_PORT", $"cannot listen on {host}:{port}: {reason} (another server has the port; choose a free one)")
            : new SettingsException("AUTOPACK_BIND_ADDRESS", $"cannot listen on {host}:{port}: {reason}");
    }

    /// <summary>Kestrel wraps the socket's error (IOException over AddressInUseException over SocketException).</summary>
    private static SocketException? SocketErrorOf(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }
}
