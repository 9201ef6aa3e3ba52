#!/usr/bin/env python3
"""The load benchmark of issue 3, in one run: Cosocket's /echo, a minimal Kestrel echo and a Node
`ws` echo, each pinned to CPU 0, driven by one load generator pinned to CPU 1.

    /usr/bin/python3 bench/run_load.py [--runs 3] [--seconds 10] [--idle 10000] [--before DIR] [--standalone]

Prints a Markdown table: per scenario and server the median over the runs of msg/s, MB/s, p50 and
p99 latency and server CPU per message, the ratio to Kestrel, and per server the RSS per idle
connection and how fast those connections were opened (TCP connect + upgrade, 200 at a time).
--before DIR adds "cosocket-before": the cosocket built (Release) in another checkout DIR, e.g. a
`git worktree` of an earlier commit, measured in the same run. "cosocket" is the host as shipped,
its WebSockets behind Kestrel (MapCosocket); --standalone adds "cosocket-standalone": the same host
with cosocket.front-door = standalone, its WebSockets on Cosocket's own listener.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADGEN = os.path.join(ROOT, "bench/Cosocket.LoadGen/bin/Release/net10.0/Cosocket.LoadGen")
CLK_TCK = os.sysconf("SC_CLK_TCK")

SERVERS = {
    "cosocket": (19001, [os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket"), "serve", "--listen", "127.0.0.1:19001"], ROOT),
    "kestrel": (19002, [os.path.join(ROOT, "bench/KestrelEcho/bin/Release/net10.0/KestrelEcho"), "--urls", "http://127.0.0.1:19002"], ROOT),
    "node-ws": (19003, ["node", "ws_echo.mjs", "19003"], os.path.join(ROOT, "bench/node")),
}

SCENARIOS = [
    # name, connections, size, in flight
    ("small: 50 conns x 64 B, 1 in flight", 50, 64, 1),
    ("pipelined: 50 conns x 64 B, 16 in flight", 50, 64, 16),
    ("bulk: 4 conns x 1 MiB, 1 in flight", 4, 1 << 20, 1),
    # in flight 0: a fixed rate of 1,000 msg/s per connection (50,000 msg/s in all), open loop
    ("fixed rate: 50 conns x 1,000 msg/s x 64 B", 50, 64, 0),
]
FIXED_RATE = 1000


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def stop(processes):
    """Terminates the servers (SIGTERM: they drain), killing any that outlives 30 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def loadgen(*args, cpu="1", timeout=300):
    """Runs the load generator (pinned to `cpu`, or anywhere with None); its key=value output as a dict."""
    pinning = ["taskset", "-c", cpu] if cpu is not None else []
    out = subprocess.run([*pinning, LOADGEN, *args], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stdout} {out.stderr}")
    return dict(kv.split("=") for kv in out.stdout.split())


def hold_idle(pid, port, count, *extra):
    """Opens `count` idle connections to the server (`extra`: more load generator options) and
    returns (RSS before in KiB, RSS once they are open and settled in KiB, connections opened per second)."""
    before = rss_kib(pid)
    hold = tempfile.mktemp(prefix="cosocket-idle-")
    holder = subprocess.Popen(["taskset", "-c", "1", LOADGEN, "idle", "--url", f"ws://127.0.0.1:{port}/echo",
                               "--connections", str(count), "--hold-file", hold, *extra])
    deadline = time.time() + 120
    while not os.path.exists(hold) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # let the server settle
    after = rss_kib(pid)
    with open(hold) as f:
        per_second = float(f.read().split("connect_per_s=")[1])
    os.remove(hold)
    holder.wait(timeout=120)
    return before, after, per_second


def wait_until_serving(port):
    deadline = time.time() + 60
    while time.time() < deadline:
        probe = subprocess.run([LOADGEN, "load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", "1",
                                "--seconds", "0.2", "--warmup", "0"], capture_output=True, text=True)
        if probe.returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"nothing serves port {port}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--before", help="another checkout whose Release cosocket is measured as cosocket-before")
    parser.add_argument("--scenarios", help="comma-separated scenario name prefixes (small,pipelined,bulk,fixed); default all")
    parser.add_argument("--standalone", action="store_true",
                        help="add cosocket-standalone: the host with its WebSockets on Cosocket's own listener")
    options = parser.parse_args()
    environments = {}
    if options.standalone:
        SERVERS["cosocket-standalone"] = (19005, [os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket"), "serve",
                                                  "--listen", "127.0.0.1:19005", "--cluster-port", "0"], ROOT)
        environments["cosocket-standalone"] = {"COSOCKET__FRONTDOOR": "standalone"}
    if options.before:
        SERVERS["cosocket-before"] = (19004, [os.path.join(os.path.abspath(options.before), "src/Host/bin/Release/net10.0/cosocket"),
                                              "serve", "--listen", "127.0.0.1:19004", "--cluster-port", "0"], os.path.abspath(options.before))
    SERVERS["cosocket"][1].extend(["--cluster-port", "0"])
    scenarios = [s for s in SCENARIOS if not options.scenarios or any(s[0].startswith(p) for p in options.scenarios.split(","))]

    processes = {}
    try:
        for name, (port, command, cwd) in SERVERS.items():
            processes[name] = subprocess.Popen(["taskset", "-c", "0", *command], cwd=cwd, env={**os.environ, **environments.get(name, {})},
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, (port, _, _) in SERVERS.items():
            wait_until_serving(port)

        results = {}
        for scenario, connections, size, in_flight in scenarios:
            for run in range(options.runs):
                for name, (port, _, _) in SERVERS.items():
                    pid = processes[name].pid
                    before = cpu_seconds(pid)
                    pacing = ["--in-flight", str(in_flight)] if in_flight else ["--rate", str(FIXED_RATE)]
                    r = loadgen("load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", str(connections),
                                "--size", str(size), *pacing, "--seconds", str(options.seconds), "--warmup", "2")
                    cpu = cpu_seconds(pid) - before
                    # CPU over warm-up and measurement alike, divided by the messages of both (approximated by rate).
                    measured = int(r["messages"])
                    total_seconds = options.seconds + 2
                    r["cpu_us_per_msg"] = cpu / (measured * total_seconds / options.seconds) * 1e6 if measured else float("nan")
                    results.setdefault((scenario, name), []).append(r)
                    print(f"{scenario} | {name} | run {run + 1}: {r}", file=sys.stderr, flush=True)

        idle = {}
        connects = {}
        for name, (port, _, _) in (SERVERS.items() if options.idle else []):
            before, after, connects[name] = hold_idle(processes[name].pid, port, options.idle)
            idle[name] = (after - before) / options.idle
            print(f"idle | {name}: {before} KiB -> {after} KiB", file=sys.stderr, flush=True)

        print(f"| scenario | server | msg/s | MB/s | p50 µs | p99 µs | server CPU µs/msg | vs Kestrel (msg/s) |")
        print(f"|---|---|---:|---:|---:|---:|---:|---:|")
        for scenario, *_ in scenarios:
            kestrel = statistics.median(float(r["msg_per_s"]) for r in results[(scenario, "kestrel")])
            for name in SERVERS:
                rs = results[(scenario, name)]
                med = lambda key: statistics.median(float(r[key]) for r in rs)
                runs = " / ".join(f"{float(r['msg_per_s']):.0f}" for r in rs)
                print(f"| {scenario} | {name} | {med('msg_per_s'):.0f} ({runs}) | {med('mb_per_s'):.1f} | {med('p50_us'):.0f} | "
                      f"{med('p99_us'):.0f} | {med('cpu_us_per_msg'):.1f} | {med('msg_per_s') / kestrel:.2f}x |")
        print()
        if options.idle:
            print(f"| server | RSS per idle connection ({options.idle} connections) | connections opened per second |")
            print(f"|---|---:|---:|")
            for name in SERVERS:
                print(f"| {name} | {idle[name]:.1f} KiB | {connects[name]:.0f} |")
    finally:
        stop(processes.values())


if __name__ == "__main__":
    main()
