using Cosocket.Actors.Cluster;
using Cosocket.Actors.Connections;
using Microsoft.AspNetCore.Mvc;

namespace Cosocket.Sample.Controllers;

/// <summary>Sends to a user's connections, wherever in the cluster they are: what any part of an
/// application (a controller, a background job) does to reach people.</summary>
[ApiController]
[Route("api/users")]
public sealed class UsersController(CosocketCluster cluster) : ControllerBase
{
    /// <summary><c>POST /api/users/{user}</c> with a text body: sent to every connection of the user.</summary>
    [HttpPost("{user}")]
    public async Task<IActionResult> SendAsync(string user)
    {
        using var reader = new StreamReader(Request.Body);
        string text = await reader.ReadToEndAsync();
        var result = await cluster.SendToUserAsync(user, Deliver.Text(text));
        return result.Err is { } err ? NotFound(new { error = err }) : Ok(new { delivered = result.Delivered });
    }
}
