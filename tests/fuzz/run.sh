#!/usr/bin/env bash
# Coverage-guided fuzzing of Cosocket.Protocol with AFL++ and SharpFuzz.
#   tests/fuzz/run.sh TARGET SECONDS [OUTPUT]     TARGET: frames | protocol | request | response | uri
# Builds the harness (tests/fuzz/Cosocket.Fuzz), instruments its copy of Cosocket.Protocol.dll,
# fuzzes from the seeds in tests/fuzz/corpus/TARGET for SECONDS, then prints one line of results
# (executions, paths, crashes, hangs) and exits 1 if AFL++ saved a crash, printing each crashing
# input in hex: turn it into a regression test. Needs Debian's afl++ (.ci/run installs it).
set -euo pipefail
target=${1:?usage: run.sh frames|protocol|request|response|uri SECONDS [OUTPUT]}
seconds=${2:?usage: run.sh TARGET SECONDS [OUTPUT]}
here=$(cd "$(dirname "$0")" && pwd)
out=${3:-$(mktemp -d)}
tools="$here/.tools"
build="$out/build"

if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi
if [ ! -f "$build/Cosocket.Fuzz.dll" ]; then
  dotnet publish "$here/Cosocket.Fuzz" -c Release -o "$build" --nologo -v quiet >/dev/null
  "$tools/sharpfuzz" "$build/Cosocket.Protocol.dll" >/dev/null
fi

findings="$out/findings-$target"
rm -rf "$findings"
# A .NET harness is no AFL-instrumented binary (SharpFuzz talks AFL's protocol itself), takes a
# while to start, and needs more memory than AFL's default cap.
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
AFL_NO_AFFINITY=1 AFL_QUIET=1 \
  afl-fuzz -V "$seconds" -t 5000 -m none -i "$here/corpus/$target" -o "$findings" -- "$build/Cosocket.Fuzz" "$target" >"$out/afl-$target.log" 2>&1 || {
    echo "fuzz $target: afl-fuzz failed:"; tail -20 "$out/afl-$target.log"; exit 1; }

stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$findings/default/fuzzer_stats"; }
crashes=$(stat saved_crashes)
echo "fuzz $target: $(stat execs_done) executions in $(stat run_time) s, $(stat corpus_count) paths, $crashes crashes, $(stat saved_hangs) hangs"
if [ "$crashes" != "0" ]; then
  for input in "$findings"/default/crashes/id:*; do
    echo "crashing input $(basename "$input"): $(od -An -tx1 -v "$input" | tr -d ' \n')"
  done
  exit 1
fi
