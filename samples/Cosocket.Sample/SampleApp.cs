using System.Text.Json;
using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;
using Cosocket.Actors.Server;
using Cosocket.AspNetCore;

namespace Cosocket.Sample;

/// <summary>The sample application, built here so that its tests run the very same application.</summary>
public static class SampleApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Cosocket's endpoints, with connections addressable by id, user and topic (a cluster of one here).
        builder.Services.AddCosocket(options => options.Cluster = true);
        // The controllers of this assembly, whichever assembly started the process (the tests run it in theirs).
        builder.Services.AddControllers().AddApplicationPart(typeof(SampleApp).Assembly);

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapCosocket("/echo", EchoAsync);
        app.MapCosocket("/chat", request => ChatAsync(request, app.Services.GetRequiredService<CosocketCluster>()));
        app.MapControllers();
        return app;
    }

    /// <summary>Every message comes back.</summary>
    private static async Task EchoAsync(WebSocketRequest request)
    {
        var (ws, _) = await WebSocketServer.NewAsync(request);
        if (ws is null)
            return;
        await foreach (var message in ws.ReadMessagesAsync())
            await ws.SendMessageAsync(message);
    }

    /// <summary>
    /// <c>/chat?room=R&amp;name=N</c>: the connection joins room R's topic and user N; what it says goes
    /// to everyone in the room as <c>{"from":N,"text":…}</c>.
    /// </summary>
    private static async Task ChatAsync(WebSocketRequest request, CosocketCluster cluster)
    {
        string room = request.Query("room").FirstOrDefault() ?? "lobby";
        string name = request.Query("name").FirstOrDefault() ?? "guest";
        if (AddressNames.Check("topic", room) is not null || AddressNames.Check("user", name) is not null)
        {
            await request.RejectAsync(400, "room and name must be 1 to 256 printable characters");
            return;
        }
        var (ws, _) = await WebSocketServer.NewAsync(request);
        if (ws is null)
            return;
        string topic = "room:" + room;
        // The user first: once the room's messages reach the connection, so do the user's. The room
        // hears of each arrival, the newcomer included (then it knows it is in).
        await cluster.AttachUserAsync(name, ws.Connection);
        await cluster.SubscribeAsync(topic, ws.Connection);
        await cluster.PublishAsync(topic, Deliver.Text(JsonSerializer.Serialize(new { from = "room", text = name + " joined" })));
        await foreach (var message in ws.ReadMessagesAsync())
        {
            if (message.Type == MessageResult.TextType)
                await cluster.PublishAsync(topic, Deliver.Text(JsonSerializer.Serialize(new { from = name, text = message.Text })));
        }
    }
}
