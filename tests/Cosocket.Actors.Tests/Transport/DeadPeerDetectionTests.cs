using System.Net;
using System.Net.Sockets;
using Cosocket.Actors.Server;
using Cosocket.Actors.Transport;

namespace Cosocket.Actors.Tests.Transport;

/// <summary>A vanished peer is TCP's to detect: the options that bound how long it takes.</summary>
public class DeadPeerDetectionTests
{
    [Theory]
    [InlineData(60, 30, 7)]
    [InlineData(8, 4, 1)]
    [InlineData(3600, 1800, 450)]
    public void Timing_ProbesEndWithinTheTimeout(int timeoutSeconds, int idle, int interval)
    {
        var timing = DeadPeerDetection.Timing(TimeSpan.FromSeconds(timeoutSeconds));

        Assert.Equal((idle, interval), timing);
        Assert.True(timing.IdleSeconds + DeadPeerDetection.Probes * timing.IntervalSeconds <= timeoutSeconds);
    }

    [Fact]
    public void Apply_SetsKeepaliveAndUserTimeoutOnTheSocket()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var accepted = listener.Accept();

        DeadPeerDetection.Apply(accepted, new ServerOptions().DeadPeerTimeout!.Value);

        Assert.Equal(1, (int)accepted.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
        Assert.Equal(30, (int)accepted.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
        Assert.Equal(7, (int)accepted.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
        Assert.Equal(DeadPeerDetection.Probes, (int)accepted.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
        if (OperatingSystem.IsLinux())
        {
            byte[] userTimeout = new byte[4];
            accepted.GetRawSocketOption((int)SocketOptionLevel.Tcp, 18, userTimeout);
            Assert.Equal(60_000, BitConverter.ToInt32(userTimeout));
        }
    }
}
