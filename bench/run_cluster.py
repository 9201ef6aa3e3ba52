#!/usr/bin/env python3
"""The cluster benchmark of issue 6: three `cosocket serve` processes (Release) form a cluster on
127.0.0.1, configured through the environment as deploy/compose.yaml does, and one load generator
measures, through /connect:

  - topic broadcast: 1,000 connections subscribed to one topic, all on node 1 or spread over the
    three nodes; one publisher connection on node 1 publishes 100 messages; deliveries per second
    from the first publish to the last delivery;
  - send latency by connection id, one message at a time: node 1 to node 1, and node 1 to node 2.

    /usr/bin/python3 bench/run_cluster.py [--runs 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from run_load import ROOT, loadgen, stop

COSOCKET = os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket")
SECRET = "bench-only-hs256-secret-of-at-least-32-bytes"
# What is measured is the cluster's delivery: /connect's per-connection rate limit is off here.
CONFIG = os.path.join(ROOT, "bench/cluster.hocon")
NODES = [(19201 + i, 19211 + i, 19221 + i) for i in range(3)]  # websocket, http, remoting


def environment(ws, http, remoting):
    return dict(os.environ,
                COSOCKET__LISTEN=f"127.0.0.1:{ws}", COSOCKET__HTTP__LISTEN=f"127.0.0.1:{http}",
                COSOCKET__HTTP__TOKEN="bench", COSOCKET__AUTH__JWT__SECRET=SECRET, COSOCKET__CLUSTER__HOSTNAME="127.0.0.1",
                COSOCKET__CLUSTER__PUBLICHOSTNAME="127.0.0.1", COSOCKET__CLUSTER__PORT=str(remoting),
                COSOCKET__CLUSTER__SEEDNODES=f"127.0.0.1:{NODES[0][2]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    token = subprocess.run([COSOCKET, "token", "--user", "bench", "--subscribe", "*", "--publish", "*", "--send", "*"],
                           env=environment(*NODES[0]), capture_output=True, text=True, check=True).stdout.strip()
    os.environ["LOADGEN_ACCESS_TOKEN"] = token
    processes = [subprocess.Popen([COSOCKET, "serve", "--config", CONFIG], env=environment(*node), cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for node in NODES]
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{NODES[0][1]}/api/cluster/members?count=3&timeout=60",
                                                             headers={"Authorization": "Bearer bench"}), timeout=70) as r:
                    print(f"cluster: {json.load(r)['up']}", file=sys.stderr)
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        ws = [f"ws://127.0.0.1:{node[0]}" for node in NODES]
        scenarios = [
            ("broadcast: 1,000 subscribers on node 1", ["broadcast", "--urls", ws[0], "--connections", "1000", "--messages", "100"]),
            ("broadcast: 1,000 subscribers over 3 nodes", ["broadcast", "--urls", ",".join(ws), "--connections", "1000", "--messages", "100"]),
            ("send by id: node 1 to node 1", ["latency", "--urls", f"{ws[0]},{ws[0]}", "--messages", "2000"]),
            ("send by id: node 1 to node 2", ["latency", "--urls", f"{ws[0]},{ws[1]}", "--messages", "2000"]),
        ]
        results = {}
        for run in range(options.runs):
            for name, args in scenarios:
                r = loadgen(*args, cpu=None, timeout=600)  # four processes, two cores: no pinning
                results.setdefault(name, []).append(r)
                print(f"{name} | run {run + 1}: {r}", file=sys.stderr, flush=True)
        print("| scenario | deliveries/s | p50 µs | p99 µs |")
        print("|---|---:|---:|---:|")
        for name, _ in scenarios:
            rs = results[name]
            if "deliveries_per_s" in rs[0]:
                runs = " / ".join(r["deliveries_per_s"] for r in rs)
                print(f"| {name} | {statistics.median(float(r['deliveries_per_s']) for r in rs):.0f} ({runs}) | | |")
            else:
                med = lambda key: statistics.median(float(r[key]) for r in rs)
                print(f"| {name} | | {med('p50_us'):.0f} | {med('p99_us'):.0f} |")
    finally:
        stop(processes)


if __name__ == "__main__":
    main()
