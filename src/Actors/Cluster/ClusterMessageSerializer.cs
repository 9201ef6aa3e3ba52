using Akka.Actor;
using Akka.Serialization;
using Cosocket.Actors.Connections;

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
    private const string GetConnectionIdentityManifest = "I";
    private const string ConnectionIdentityResultManifest = "i";

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
        GetConnectionIdentity => GetConnectionIdentityManifest,
        ConnectionIdentityResult => ConnectionIdentityResultManifest,
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
                    WriteOptional(writer, m.Err);
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
                case GetConnectionIdentity m:
                    writer.Write(m.ConnectionId);
                    break;
                case ConnectionIdentityResult m:
                    writer.Write(m.ConnectionId);
                    WriteOptional(writer, m.User);
                    writer.Write(m.Claims.Count);
                    foreach (var (type, value) in m.Claims)
                    {
                        writer.Write(type);
                        writer.Write(value);
                    }
                    WriteOptional(writer, m.Err);
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
            DeliveryResultManifest => new DeliveryResult(reader.ReadInt32(), ReadOptional(reader)),
            RegisterConnectionManifest => new RegisterConnection(reader.ReadString(), system.Provider.ResolveActorRef(reader.ReadString())),
            RegisteredManifest => new Registered(reader.ReadString(), system.Provider.ResolveActorRef(reader.ReadString()), reader.ReadInt32()),
            GetConnectionIdentityManifest => new GetConnectionIdentity(reader.ReadString()),
            ConnectionIdentityResultManifest => ReadIdentity(reader),
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

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
            writer.Write(value);
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static ConnectionIdentityResult ReadIdentity(BinaryReader reader)
    {
        string id = reader.ReadString();
        string? user = ReadOptional(reader);
        var claims = new KeyValuePair<string, string>[reader.ReadInt32()];
        for (int i = 0; i < claims.Length; i++)
            claims[i] = new(reader.ReadString(), reader.ReadString());
        return new ConnectionIdentityResult(id, user, claims, ReadOptional(reader));
    }
}
