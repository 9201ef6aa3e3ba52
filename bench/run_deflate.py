#!/usr/bin/env python3
"""The permessage-deflate benchmark (issue 13), in one run: Cosocket's /echo, a Kestrel echo with
DangerousEnableCompression and a Node `ws` echo with perMessageDeflate (threshold 64 B, as
Cosocket's), each pinned to CPU 0, driven by one load generator pinned to CPU 1 that offers
permessage-deflate without context takeover and sends chat-like JSON.

    /usr/bin/python3 bench/run_deflate.py [--runs 3] [--seconds 5] [--idle 10000] [--active 1000]

Prints Markdown tables: per scenario, deflate on and off, and server the median over the runs of
msg/s, p50 and p99 latency, server CPU per message and the bytes of an echo on the wire (its
compression ratio); per server the RSS per idle connection that negotiated deflate, and the
peak RSS per connection while `--active` connections exchange compressed messages.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_load import LOADGEN, ROOT, cpu_seconds, hold_idle, loadgen, rss_kib, stop  # noqa: E402

SERVERS = {
    "cosocket": (19011, [os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket"), "serve", "--listen", "127.0.0.1:19011", "--cluster-port", "0"], ROOT),
    "kestrel": (19012, [os.path.join(ROOT, "bench/KestrelEcho/bin/Release/net10.0/KestrelEcho"), "--urls", "http://127.0.0.1:19012", "--compression", "on"], ROOT),
    "node-ws": (19013, ["node", "ws_echo.mjs", "19013", "deflate"], os.path.join(ROOT, "bench/node")),
}

SCENARIOS = [
    # name, connections, size, in flight
    ("chat: 50 conns x 200 B JSON, 1 in flight", 50, 200, 1),
    ("document: 10 conns x 16 KiB JSON, 1 in flight", 10, 16384, 1),
]


def wait_until_serving(port):
    deadline = time.time() + 60
    while time.time() < deadline:
        probe = subprocess.run([LOADGEN, "load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", "1",
                                "--seconds", "0.2", "--warmup", "0", "--deflate", "on"], capture_output=True, text=True)
        if probe.returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"nothing serves port {port} with deflate")


def peak_rss_during(pid, command):
    """Runs `command` while sampling the server's RSS; the highest value seen."""
    peak = [rss_kib(pid)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        done.set()
        sampler.join()
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stdout} {out.stderr}")
    return peak[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--active", type=int, default=1000)
    options = parser.parse_args()

    processes = {}
    try:
        for name, (port, command, cwd) in SERVERS.items():
            processes[name] = subprocess.Popen(["taskset", "-c", "0", *command], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, (port, _, _) in SERVERS.items():
            wait_until_serving(port)

        results = {}
        for scenario, connections, size, in_flight in SCENARIOS:
            for run in range(options.runs):
                for deflate in ("on", "off"):
                    for name, (port, _, _) in SERVERS.items():
                        pid = processes[name].pid
                        before = cpu_seconds(pid)
                        r = loadgen("load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", str(connections), "--size", str(size),
                                    "--in-flight", str(in_flight), "--payload", "json", "--deflate", deflate,
                                    "--seconds", str(options.seconds), "--warmup", "2")
                        cpu = cpu_seconds(pid) - before
                        measured = int(r["messages"])
                        r["cpu_us_per_msg"] = cpu / (measured * (options.seconds + 2) / options.seconds) * 1e6 if measured else float("nan")
                        results.setdefault((scenario, deflate, name), []).append(r)
                        print(f"{scenario} | deflate {deflate} | {name} | run {run + 1}: {r}", file=sys.stderr, flush=True)

        idle, active = {}, {}
        for name, (port, _, _) in SERVERS.items():
            pid = processes[name].pid
            if options.idle:
                before, after, _ = hold_idle(pid, port, options.idle, "--deflate", "on")
                idle[name] = (after - before) / options.idle
                print(f"idle | {name}: {before} KiB -> {after} KiB", file=sys.stderr, flush=True)
            if options.active:
                time.sleep(2)
                before = rss_kib(pid)
                peak = peak_rss_during(pid, ["taskset", "-c", "1", LOADGEN, "load", "--url", f"ws://127.0.0.1:{port}/echo",
                                             "--connections", str(options.active), "--size", "2048", "--in-flight", "1",
                                             "--payload", "json", "--deflate", "on", "--seconds", "5", "--warmup", "1"])
                active[name] = (peak - before) / options.active
                print(f"active | {name}: {before} KiB -> peak {peak} KiB", file=sys.stderr, flush=True)

        print("| scenario | deflate | server | msg/s | p50 µs | p99 µs | server CPU µs/msg | echo on the wire | vs Kestrel (msg/s) |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for scenario, _, size, _ in SCENARIOS:
            for deflate in ("on", "off"):
                kestrel = statistics.median(float(r["msg_per_s"]) for r in results[(scenario, deflate, "kestrel")])
                for name in SERVERS:
                    rs = results[(scenario, deflate, name)]
                    med = lambda key: statistics.median(float(r[key]) for r in rs)
                    runs = " / ".join(f"{float(r['msg_per_s']):.0f}" for r in rs)
                    wire = med("echo_wire_bytes")
                    print(f"| {scenario} | {deflate} | {name} | {med('msg_per_s'):.0f} ({runs}) | {med('p50_us'):.0f} | {med('p99_us'):.0f} | "
                          f"{med('cpu_us_per_msg'):.1f} | {wire:.0f} B ({wire / size:.2f}) | {med('msg_per_s') / kestrel:.2f}x |")
        print()
        print(f"| server | RSS per idle deflate connection ({options.idle}) | peak RSS per active deflate connection ({options.active} x 2 KiB JSON) |")
        print("|---|---:|---:|")
        for name in SERVERS:
            print(f"| {name} | {idle.get(name, float('nan')):.1f} KiB | {active.get(name, float('nan')):.1f} KiB |")
    finally:
        stop(processes.values())


if __name__ == "__main__":
    main()
