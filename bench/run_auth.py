#!/usr/bin/env python3
"""The handshake benchmark of issue 11: new connections per second with JWT validation on and off.

    /usr/bin/python3 bench/run_auth.py [--runs 3] [--connections 5000]

One Cosocket host (Release, pinned to CPU 0) with an HS256 secret, driven by the load generator's
idle mode (each measurement starts once the server has let go of the previous one's connections, and
the two alternate in which goes first) (pinned to CPU 1; TCP connect and upgrade to the 101, 200 at a time) against /echo:
without a token (anonymous, nothing validated) and with `?access_token=` (the token validated
before the 101; a token that did not hold would be answered 401). Prints the median connections
per second of each and the cost of validation (1 - on/off).
(Without the drain the second measurement of each pair paid for the first one's teardown.)
"""
import argparse
import re
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from run_load import LOADGEN, ROOT, stop, wait_until_serving

COSOCKET = os.path.join(ROOT, "src/Host/bin/Release/net10.0/cosocket")
SECRET = "bench-only-hs256-secret-of-at-least-32-bytes"


def drained():
    """Waits until the server has let go of the previous run's connections: a run must not pay for them."""
    deadline = time.time() + 120
    while time.time() < deadline:
        request = urllib.request.Request("http://127.0.0.1:19102/metrics", headers={"Authorization": "Bearer bench"})
        with urllib.request.urlopen(request, timeout=10) as r:
            if re.search(r"^cosocket_connections(\{[^}]*\})? 0$", r.read().decode(), re.M):
                time.sleep(1)
                return
        time.sleep(0.2)
    raise RuntimeError("the server kept the previous run's connections")


def connects_per_second(url, connections):
    hold = tempfile.mktemp(prefix="cosocket-auth-")
    holder = subprocess.Popen(["taskset", "-c", "1", LOADGEN, "idle", "--url", url, "--connections", str(connections), "--hold-file", hold])
    deadline = time.time() + 300
    while not os.path.exists(hold) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)  # the line is written whole, but give the writer a moment
    with open(hold) as f:
        line = f.read()
    os.remove(hold)
    holder.wait(timeout=120)
    return float(line.split("connect_per_s=")[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=5000)
    options = parser.parse_args()

    env = dict(os.environ, COSOCKET__AUTH__JWT__SECRET=SECRET, COSOCKET__HTTP__TOKEN="bench")
    token = subprocess.run([COSOCKET, "token", "--user", "bench"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    server = subprocess.Popen(["taskset", "-c", "0", COSOCKET, "serve", "--listen", "127.0.0.1:19101", "--http-listen", "127.0.0.1:19102",
                               "--cluster-port", "0"], env=env, stdout=subprocess.DEVNULL, cwd=os.path.dirname(COSOCKET))
    try:
        wait_until_serving(19101)
        results = {"off": [], "on": []}
        both = [("off", "ws://127.0.0.1:19101/echo"), ("on", f"ws://127.0.0.1:19101/echo?access_token={token}")]
        for run in range(options.runs):
            # Alternating which goes first: neither always follows the other's teardown.
            for name, url in (both if run % 2 == 0 else both[::-1]):
                drained()
                value = connects_per_second(url, options.connections)
                results[name].append(value)
                print(f"run {run + 1} {name}: {value:.0f}/s (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
        off, on = statistics.median(results["off"]), statistics.median(results["on"])
        print("| JWT validation | connections per second (median) | runs |")
        print("|---|---|---|")
        print(f"| off (no token) | {off:.0f} | {', '.join(f'{v:.0f}' for v in results['off'])} |")
        print(f"| on (HS256 `access_token`) | {on:.0f} | {', '.join(f'{v:.0f}' for v in results['on'])} |")
        print(f"\ncost of validation: {100 * (1 - on / off):.1f} % fewer handshakes per second")
    finally:
        stop([server])


if __name__ == "__main__":
    main()
