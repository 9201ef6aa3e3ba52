using System.Text.Json;
using System.Text.Json.Nodes;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Security;
using Cosocket.Actors.Server;

namespace Cosocket.Host.Endpoints;

/// <summary>
/// <c>/connect?topic=T…</c>: an application connection of an authenticated user (the token's
/// subject; a token is required, see <see cref="Actors.Security.JwtAuthenticator"/>), addressable from
/// anywhere in the cluster by its id, its user and its topics. It is first sent
/// <c>{"type":"welcome","connection":ID,"user":U,"topics":[…]}</c>; then everything addressed to it
/// arrives as plain messages. It may itself send JSON commands, each answered with
/// <c>{"type":"result","op":…,"delivered":N}</c> or <c>{…,"error":E}</c>:
/// <c>{"op":"send","connection":ID,"text":…}</c>, <c>{"op":"user","user":U,"text":…}</c>,
/// <c>{"op":"publish","topic":T,"text":…}</c>, <c>{"op":"subscribe"|"unsubscribe","topic":T}</c>.
/// What it may subscribe to, publish to and send to is the <see cref="AddressingPolicy"/>'s to say;
/// a denial is the command's error, and a topic in the query it may not subscribe to refuses the
/// upgrade with 403.
/// </summary>
public static class ConnectEndpoint
{
    public const string UserFromToken = "the user is the token's subject: ?user= is not taken";

    public static WebSocketHandler Handler(ServerOptions options, CosocketCluster cluster, AddressingPolicy policy) =>
        request => RunAsync(request, options, cluster, policy);

    private static async Task RunAsync(WebSocketRequest request, ServerOptions options, CosocketCluster cluster, AddressingPolicy policy)
    {
        // The route requires an identity: the request was refused with 401 before coming here without one.
        var identity = request.Identity!;
        var topics = request.Query("topic");
        // Bad names and denied topics are refused before the upgrade, with the reason (never a failed handler).
        if (request.Query("user").Count > 0)
        {
            await request.RejectAsync(400, UserFromToken);
            return;
        }
        // The subject is whatever the token's issuer wrote: it must still make a valid user name.
        if (AddressNames.Check("user", identity.User) is { } badSubject)
        {
            await request.RejectAsync(400, "the token's subject is not a user name: " + badSubject);
            return;
        }
        if (topics.Select(t => AddressNames.Check("topic", t)).FirstOrDefault(e => e is not null) is { } invalid)
        {
            await request.RejectAsync(400, invalid);
            return;
        }
        if (topics.Select(t => policy.Check(identity, AddressingOperation.Subscribe, t)).FirstOrDefault(e => e is not null) is { } denied)
        {
            await request.RejectAsync(403, denied);
            return;
        }
        var (wb, _) = await WebSocketServer.NewAsync(request, options);
        if (wb is null)
            return;
        string user = identity.User;
        await cluster.AttachUserAsync(user, wb.Connection);
        foreach (string topic in topics)
            await cluster.SubscribeAsync(topic, wb.Connection);
        var welcome = new JsonObject { ["type"] = "welcome", ["connection"] = wb.ConnectionId, ["user"] = user, ["topics"] = new JsonArray([.. topics.Select(t => JsonValue.Create(t))]) };
        if ((await wb.SendMessageAsync(welcome.ToJsonString())).Err is not null)
            return;
        await foreach (var message in wb.ReadMessagesAsync())
        {
            var result = await ExecuteAsync(message.Text, wb, cluster, policy, identity);
            if ((await wb.SendMessageAsync(result.ToJsonString())).Err is not null)
                return;
        }
    }

    private static async Task<JsonObject> ExecuteAsync(string? text, WebSocketServer wb, CosocketCluster cluster, AddressingPolicy policy, ConnectionIdentity identity)
    {
        JsonObject? command;
        try
        {
            command = text is null ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            command = null;
        }
        // A field that is not a string counts as missing: the command is refused, the connection stays.
        string? Field(string name) => command?[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;
        string? Denied(AddressingOperation operation, string target) => policy.Check(identity, operation, target);
        string? op = Field("op");
        var result = new JsonObject { ["type"] = "result", ["op"] = op };
        var payload = Deliver.Text(Field("text") ?? "");
        switch (op)
        {
            case "subscribe" or "unsubscribe" when AddressNames.Check("topic", Field("topic")) is { } invalid:
                result["error"] = invalid;
                break;
            case "send" when Field("connection") is { } id && Denied(AddressingOperation.Send, "connection:" + id) is { } denied:
                result["error"] = denied;
                break;
            case "send" when Field("connection") is { } id:
                Report(result, await cluster.SendToConnectionAsync(id, payload));
                break;
            case "user" when Field("user") is { } user && Denied(AddressingOperation.Send, "user:" + user) is { } denied:
                result["error"] = denied;
                break;
            case "user" when Field("user") is { } user:
                Report(result, await cluster.SendToUserAsync(user, payload));
                break;
            case "publish" when Field("topic") is { } topic && Denied(AddressingOperation.Publish, topic) is { } denied:
                result["error"] = denied;
                break;
            case "publish" when Field("topic") is { } topic:
                var published = await cluster.PublishAsync(topic, payload);
                result[published.Published ? "published" : "error"] = published.Published ? true : published.Err;
                break;
            case "subscribe" when Field("topic") is { } topic && Denied(AddressingOperation.Subscribe, topic) is { } denied:
                result["error"] = denied;
                break;
            case "subscribe" when Field("topic") is { } topic:
                await cluster.SubscribeAsync(topic, wb.Connection);
                result["subscribed"] = topic;
                break;
            case "unsubscribe" when Field("topic") is { } topic:
                await cluster.UnsubscribeAsync(topic, wb.Connection);
                result["unsubscribed"] = topic;
                break;
            default:
                result["error"] = "expected a JSON object with op send/user/publish/subscribe/unsubscribe and its fields";
                break;
        }
        return result;
    }

    private static void Report(JsonObject result, DeliveryResult delivery)
    {
        result["delivered"] = delivery.Delivered;
        if (delivery.Err is not null)
            result["error"] = delivery.Err;
    }
}
