using System.Text.Json;
using System.Text.Json.Nodes;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// <c>/chat/{room}?name=N</c>: the demo chat. Each connection subscribes to the room's topic
/// (<c>chat:{room}</c>), so everything published there reaches every member on every node. The
/// server publishes <c>{"type":"join"|"leave","name":N}</c> when a member comes and goes, and turns
/// what a member sends (<c>{"type":"say","text":…}</c>, or <c>{"type":"here"}</c>, the page's answer
/// to a join, by which newcomers learn who is there) into <c>{"type":…,"name":N,…}</c> on the topic.
/// </summary>
public static class ChatEndpoint
{
    public const string Prefix = "/chat/";

    public static WebSocketHandler Handler(ServerOptions options, CosocketCluster cluster) => request => RunAsync(request, options, cluster);

    public static string Topic(string room) => "chat:" + room;

    private static async Task RunAsync(WebSocketRequest request, ServerOptions options, CosocketCluster cluster)
    {
        string room = request.Path[Prefix.Length..];
        string name = request.Query("name").FirstOrDefault() is { Length: > 0 } given ? given : "anonymous";
        if (room.Length == 0 || room.Contains('/') || AddressNames.Check("topic", Topic(room)) is not null)
        {
            await request.RejectAsync(404, $"a chat room is /chat/{{room}}: 1 to {AddressNames.MaxLength - Topic("").Length} characters, none of them a control character or /");
            return;
        }
        var (wb, _) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
            return;
        string topic = Topic(room);
        await cluster.SubscribeAsync(topic, wb.Connection);
        await cluster.PublishAsync(topic, Event("join", name));
        try
        {
            await foreach (var message in wb.ReadMessagesAsync())
            {
                if (Said(message.Text) is { } said)
                    await cluster.PublishAsync(topic, Event(said.Type, name, said.Text));
                else if ((await wb.SendMessageAsync(NotUnderstood)).Err is not null)
                    break;
            }
        }
        finally
        {
            await cluster.UnsubscribeAsync(topic, wb.Connection);
            await cluster.PublishAsync(topic, Event("leave", name));
        }
    }

    /// <summary>The answer, to its sender only, to a message that is not one of the chat's.</summary>
    private static readonly string NotUnderstood = new JsonObject
    {
        ["type"] = "error",
        ["error"] = """expected {"type":"say","text":…} or {"type":"here"}""",
    }.ToJsonString();

    private static (string Type, string? Text)? Said(string? text)
    {
        try
        {
            var node = text is null ? null : JsonNode.Parse(text) as JsonObject;
            return node?["type"]?.GetValue<string>() switch
            {
                "say" => ("say", node["text"]?.GetValue<string>() ?? ""),
                "here" => ("here", null),
                _ => null,
            };
        }
        catch (Exception bad) when (bad is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static Deliver Event(string type, string name, string? text = null)
    {
        var json = new JsonObject { ["type"] = type, ["name"] = name };
        if (text is not null)
            json["text"] = text;
        return Deliver.Text(json.ToJsonString());
    }
}
