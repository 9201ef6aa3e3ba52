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

    /// <summary>What connection ids start with; with <see cref="Cluster"/>, the node's tag is put before it.</summary>
    public string IdPrefix { get; set; } = "";

    /// <summary>
    /// Address connections by id, user and topic from anywhere in the cluster: a
    /// <see cref="Cosocket.Actors.Cluster.CosocketCluster"/> is registered, serving these endpoints'
    /// connections. The actor system must be a cluster member (Akka.Cluster.Hosting's
    /// <c>WithClustering</c>); the one AddCosocket adds when the application has none is a
    /// single-node cluster on a free port of 127.0.0.1.
    /// </summary>
    public bool Cluster { get; set; }

    /// <summary>On shutdown, how long connections have to end after their close 1001 before they are cut: 10 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
