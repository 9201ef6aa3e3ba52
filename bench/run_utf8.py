#!/usr/bin/env python3
"""The UTF-8 benchmark of issue 5: what the message layer's UTF-8 validation costs /echo.

    /usr/bin/python3 bench/run_utf8.py [--runs 3] [--seconds 5]

Two Cosocket servers in one run, identical but for cosocket.server.messages.validate-utf8 (on, the
default, and off), each pinned to CPU 0, driven by one load generator pinned to CPU 1 with text
frames of ASCII and of mixed multilingual UTF-8. Prints, per scenario, the median msg/s and server
CPU per message of each, and the cost of validation (1 - on/off).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from run_load import ROOT, cpu_seconds, loadgen, stop, wait_until_serving

COSOCKET = os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket")

SCENARIOS = [
    # name, payload, connections, size, in flight
    ("ascii 64 B, 50 conns, 1 in flight", "ascii", 50, 64, 1),
    ("ascii 64 B, 50 conns, 16 in flight", "ascii", 50, 64, 16),
    ("multilingual 64 B, 50 conns, 16 in flight", "multilingual", 50, 64, 16),
    ("ascii 16 KiB, 8 conns, 4 in flight", "ascii", 8, 16384, 4),
    ("multilingual 16 KiB, 8 conns, 4 in flight", "multilingual", 8, 16384, 4),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    options = parser.parse_args()

    off = tempfile.NamedTemporaryFile("w", suffix=".hocon", delete=False)
    off.write("cosocket.server.messages.validate-utf8 = off\n")
    off.close()
    servers = {
        "validation on": (19011, [COSOCKET, "serve", "--listen", "127.0.0.1:19011"]),
        "validation off": (19012, [COSOCKET, "serve", "--listen", "127.0.0.1:19012", "--config", off.name]),
    }
    processes = {}
    try:
        for name, (port, command) in servers.items():
            processes[name] = subprocess.Popen(["taskset", "-c", "0", *command], cwd=ROOT,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port, _ in servers.values():
            wait_until_serving(port)

        results = {}
        for scenario, payload, connections, size, in_flight in SCENARIOS:
            for run in range(options.runs):
                for name, (port, _) in servers.items():
                    before = cpu_seconds(processes[name].pid)
                    r = loadgen("load", "--url", f"ws://127.0.0.1:{port}/echo", "--connections", str(connections), "--size", str(size),
                                "--in-flight", str(in_flight), "--seconds", str(options.seconds), "--warmup", "1", "--payload", payload)
                    cpu = cpu_seconds(processes[name].pid) - before
                    measured = int(r["messages"])
                    r["cpu_us_per_msg"] = cpu / (measured * (options.seconds + 1) / options.seconds) * 1e6 if measured else float("nan")
                    results.setdefault((scenario, name), []).append(r)
                    print(f"{scenario} | {name} | run {run + 1}: {r}", file=sys.stderr, flush=True)

        print("| scenario | msg/s, validation on | msg/s, validation off | cost in msg/s | CPU µs/msg on | CPU µs/msg off | cost in CPU |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for scenario, *_ in SCENARIOS:
            med = lambda name, key: statistics.median(float(r[key]) for r in results[(scenario, name)])
            runs = lambda name: " / ".join(f"{float(r['msg_per_s']):.0f}" for r in results[(scenario, name)])
            on, off_rate = med("validation on", "msg_per_s"), med("validation off", "msg_per_s")
            cpu_on, cpu_off = med("validation on", "cpu_us_per_msg"), med("validation off", "cpu_us_per_msg")
            print(f"| {scenario} | {on:.0f} ({runs('validation on')}) | {off_rate:.0f} ({runs('validation off')}) | "
                  f"{(1 - on / off_rate) * 100:+.1f} % | {cpu_on:.1f} | {cpu_off:.1f} | {(cpu_on / cpu_off - 1) * 100:+.1f} % |")
    finally:
        stop(processes.values())
        os.remove(off.name)


if __name__ == "__main__":
    main()
