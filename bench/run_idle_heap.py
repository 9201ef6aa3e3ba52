#!/usr/bin/env python3
"""Where an idle connection's memory goes, behind each front door (issue 15): the cosocket host as
shipped (Kestrel, MapCosocket) and with front-door = standalone (Cosocket's own listener), each
pinned to CPU 0. For each: warm up, take a heap dump (dotnet-gcdump: a full GC, then every live
object by type), open `--idle` connections that say nothing, take another, and divide the growth.

    /usr/bin/python3 bench/run_idle_heap.py [--idle 10000] [--top 40]

Prints Markdown tables: per server the RSS and managed-heap growth per connection, the managed
growth by component, the types whose bytes per connection differ most between the two doors, and
each door's largest types per connection.
dotnet-gcdump comes from NuGet into a temporary tool path.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_load import LOADGEN, ROOT, loadgen, rss_kib, stop, wait_until_serving  # noqa: E402

HOST = os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket")
SERVERS = {
    "kestrel (as shipped)": (19021, {}),
    "standalone": (19022, {"COSOCKET__FRONTDOOR": "standalone"}),
}

# A type belongs to the first component whose pattern its name contains (an async state machine
# names the method it runs, so it lands with that method's owner).
COMPONENTS = [
    ("Kestrel socket transport (pipes, socket)", ("Kestrel.Transport", "System.IO.Pipelines", "MemoryPoolBlock")),
    ("Kestrel HTTP/1.1 connection (headers, output, timeouts)", ("Kestrel.Core", "Kestrel.Internal")),
    ("ASP.NET Core request (context, features, hosting diagnostics, user)",
     ("Microsoft.AspNetCore", "System.Diagnostics.Activity", "HostingLogScope", "System.Security.Claims",
      "Microsoft.Extensions.DependencyInjection", "AsyncLocalValueMap", "System.Threading.ExecutionContext")),
    ("Cosocket", ("Cosocket.",)),
    ("Akka (actor cell, mailbox, stream interpreter)", ("Akka.",)),
    ("sockets (standalone: Socket, NetworkStream, SocketAsyncEventArgs)", ("System.Net.Sockets", "System.Net.Sockets.Socket", "AwaitableSocketAsyncEventArgs", "NetworkStream")),
]
OTHER = "other (delegates, tasks, strings, collections: shared by both)"

LINE = re.compile(r"^\s+([\d,]+)\s+([\d,]+)\s+(.*?)\s+\[(.*)\]\s*$")


def gcdump_tool():
    path = os.path.join(tempfile.gettempdir(), "cosocket-gcdump-tool")
    tool = os.path.join(path, "dotnet-gcdump")
    if not os.path.exists(tool):
        subprocess.run(["dotnet", "tool", "install", "--tool-path", path, "dotnet-gcdump"], check=True, capture_output=True)
    return tool


def heap(tool, pid, folder, name):
    """Live objects by type after a full GC: {type: (bytes, count)}, and the heap's total bytes."""
    dump = os.path.join(folder, name + ".gcdump")
    subprocess.run([tool, "collect", "-p", str(pid), "-o", dump], check=True, capture_output=True)
    report = subprocess.run([tool, "report", dump], check=True, capture_output=True, text=True).stdout
    types, total = {}, 0
    for line in report.splitlines():
        if line.strip().endswith("GC Heap bytes"):
            total = int(line.split()[0].replace(",", ""))
        m = LINE.match(line)
        if m:
            # heapstat lists each type's size per object and its count (large arrays per size class).
            size, count, name_ = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), m.group(3)
            name_ = re.sub(r" \(Bytes > .*\)$", "", name_)
            b, c = types.get(name_, (0, 0))
            types[name_] = (b + size * count, c + count)
    return types, total


def component(type_name):
    for label, patterns in COMPONENTS:
        if any(p in type_name for p in patterns):
            return label
    return OTHER


def measure(tool, name, port, env, count, folder):
    process = subprocess.Popen(["taskset", "-c", "0", HOST, "serve", "--listen", f"127.0.0.1:{port}", "--cluster-port", "0"],
                               cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port)
        loadgen("load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", "50", "--seconds", "2", "--warmup", "1")
        time.sleep(2)
        before, before_total = heap(tool, process.pid, folder, name + "-before")
        rss_before = rss_kib(process.pid)
        hold = os.path.join(folder, "hold")
        holder = subprocess.Popen(["taskset", "-c", "1", LOADGEN, "idle", "--url", f"ws://127.0.0.1:{port}/echo",
                                   "--connections", str(count), "--hold-file", hold])
        deadline = time.time() + 120
        while not os.path.exists(hold) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        rss_after = rss_kib(process.pid)
        after, after_total = heap(tool, process.pid, folder, name + "-after")
        os.remove(hold)
        holder.wait(timeout=120)
    finally:
        stop([process])
    growth = {t: ((after[t][0] - before.get(t, (0, 0))[0]) / count, (after[t][1] - before.get(t, (0, 0))[1]) / count) for t in after}
    return growth, (rss_after - rss_before) / count, (after_total - before_total) / count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--top", type=int, default=40)
    options = parser.parse_args()
    tool = gcdump_tool()
    results = {}
    with tempfile.TemporaryDirectory(prefix="cosocket-heap-") as folder:
        for name, (port, env) in SERVERS.items():
            results[name] = measure(tool, name, port, env, options.idle, folder)
            print(f"{name}: RSS {results[name][1]:.1f} KiB, heap {results[name][2] / 1024:.1f} KiB per connection", file=sys.stderr, flush=True)

    names = list(SERVERS)
    print(f"| per idle connection ({options.idle:,}) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    print("| RSS growth | " + " | ".join(f"{results[n][1]:.1f} KiB" for n in names) + " |")
    print("| managed heap growth (live objects after a full GC) | " + " | ".join(f"{results[n][2]:,.0f} B" for n in names) + " |")
    for label in [c[0] for c in COMPONENTS] + [OTHER]:
        cells = [sum(b for t, (b, _) in results[n][0].items() if component(t) == label) for n in names]
        print(f"| {label} | " + " | ".join(f"{c:,.0f} B" for c in cells) + " |")
    print()
    a, b = (results[n][0] for n in names)
    rows = sorted(set(a) | set(b), key=lambda t: -abs(a.get(t, (0, 0))[0] - b.get(t, (0, 0))[0]))
    print(f"| type | {names[0]} B (objects) | {names[1]} B (objects) | difference |")
    print("|---|---:|---:|---:|")
    for t in rows[:options.top]:
        (ab, ac), (bb, bc) = a.get(t, (0, 0)), b.get(t, (0, 0))
        print(f"| `{t}` | {ab:,.0f} ({ac:.1f}) | {bb:,.0f} ({bc:.1f}) | {ab - bb:+,.0f} |")
    for name in names:
        print()
        print(f"| {name}: type | B per connection (objects) |")
        print("|---|---:|")
        for t, (b, c) in sorted(results[name][0].items(), key=lambda item: -item[1][0])[:options.top]:
            print(f"| `{t}` | {b:,.0f} ({c:.1f}) |")


if __name__ == "__main__":
    main()
