using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;

namespace Cosocket.AspNetCore;

/// <summary>What <see cref="CosocketServiceCollectionExtensions.AddCosocket"/> sets up.</summary>
public sealed class CosocketOptions
{
    /// <summary>
    /// The server options every <c>MapCosocket</c> endpoint's handler gets when it passes none to
    /// <see cref="WebSocketServer.NewAsync"/>. Compression (permessage-deflate) is on here, as on the
    /// <c>cosocket</c> host's endpoints: an ASP.NET Core endpoint is an application's message endpoint.
    /// Origins are not checked by default (ASP.NET Core's CORS does not cover WebSockets): set
    /// <see cref="ServerOptions.Origins"/> for an application that authenticates by cookies.
    /// </summary>
    public ServerOptions Server { get; set; } = new() { Compression = new CompressionOptions() };

    /// <summary>What connection ids start with (in a cluster, the node's tag).</summary>
    public string IdPrefix { get; set; } = "";

    /// <summary>On shutdown, how long connections have to end after their close 1001 before they are cut: 10 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
