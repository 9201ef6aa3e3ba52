using Akka.Actor;
using Akka.Serialization;

namespace Cosocket.Actors.Cluster;

/// <summary>
/// The wire format of the <see cref="IClusterMessage"/>s: a few length-prefixed fields each, written
/// explicitly, so that no message of ours falls back to a default (JSON) serializer and the format
/// does not change with a library's version. Actor references travel as their full paths.
/// </summary>
public sealed class ClusterMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string DeliverManifest = "D";
    private const string SendToConnectionManifest = "C";
    private const string SendToUserManifest = "U";
    private const string DeliveryResultManifest = "R";
    private const string RegisterConnectionManifest = "G";
    private const string RegisteredManifest = "g";

    public const int Id = 7077;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        Deliver => DeliverManifest,
        SendToConnection => SendToConnectionManifest,
        SendToUser => SendToUserManifest,
        DeliveryResult => DeliveryResultManifest,
        RegisterConnection => RegisterConnectionManifest,
        Registered => RegisteredManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a Cosocket cluster message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            switch (obj)
            {
                case Deliver m:
                    Write(writer, m);
                    break;
                case SendToConnection m:
                    writer.Write(m.ConnectionId);
                    Write(writer, m.Message);
                    break;
                case SendToUser m:
                    writer.Write(m.User);
                    Write(writer, m.Message);
                    break;
                case DeliveryResult m:
                    writer.Write(m.Delivered);
                    writer.Write(m.Err is not null);
                    if (m.Err is not null)
                        writer.Write(m.Err);
                    break;
                case RegisterConnection m:
                    writer.Write(m.User);
                    writer.Write(Serialization.SerializedActorPath(m.Connection));
                    break;
                case Registered m:
                    writer.Write(m.User);
                    writer.Write(Serialization.SerializedActorPath(m.Connection));
                    writer.Write(m.Connections);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not a Cosocket cluster message", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return manifest switch
        {
            DeliverManifest => ReadDeliver(reader),
            SendToConnectionManifest => new SendToConnection(reader.ReadString(), ReadDeliver(reader)),
            SendToUserManifest => new SendToUser(reader.ReadString(), ReadDeliver(reader)),
            DeliveryResultManifest => new DeliveryResult(reader.ReadInt32(), reader.ReadBoolean() ? reader.ReadString() : null),
            RegisterConnectionManifest => new RegisterConnection(reader.ReadString(), system.Provider.ResolveActorRef(reader.ReadString())),
            RegisteredManifest => new Registered(reader.ReadString(), system.Provider.ResolveActorRef(reader.ReadString()), reader.ReadInt32()),
            _ => throw new System.Runtime.Serialization.SerializationException($"unknown Cosocket cluster message manifest \"{manifest}\""),
        };
    }

    private static void Write(BinaryWriter writer, Deliver message)
    {
        writer.Write(message.IsText);
        writer.Write(message.Data.Length);
        writer.Write(message.Data);
    }

    private static Deliver ReadDeliver(BinaryReader reader)
    {
        bool text = reader.ReadBoolean();
        return new Deliver(text, reader.ReadBytes(reader.ReadInt32()));
    }
}
