#!/usr/bin/env bash
# Interleaved A/B of two builds of the daemon on one path, for a change to the hot path:
# single `npm run bench` runs move by ±20 % on a small VM, while two daemons measured in
# alternating slices under the same conditions compare to a few per cent.
#
#   bench/ab.sh A.cjs B.cjs [rounds]      (copies of dist/gemini-proxy.cjs, before and after)
#   PATHX=/v1/chat/completions BODY='{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}' bench/ab.sh A.cjs B.cjs
#
# Starts dist/bench-upstream.cjs and both daemons (4 keys, info log to a file) in a temporary
# folder, warms each up for 3 s, then runs `rounds` (default 8) pairs of 3-second autocannon
# slices at 50 connections, in the order A B, B A, …, and prints each side's median requests/s
# and CPU µs per request (utime + stime of the daemon's process from /proc). Extra daemon
# arguments go after the bundle, quoted: bench/ab.sh A.cjs "B.cjs --redis redis://127.0.0.1:6379".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
a=$(realpath "${1:?A bundle}"); b_args=(${2:?B bundle}); b_args[0]=$(realpath "${b_args[0]}")
rounds=${3:-8}
path=${PATHX:-/v1beta/models/gemini-2.5-flash:generateContent}
body=${BODY:-'{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}'}
dir=$(mktemp -d /tmp/gemini-proxy-ab-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
cd "$dir"
node "$root/dist/bench-upstream.cjs" 0 > upstream.port &
until [ -s upstream.port ]; do sleep 0.1; done
echo "http://127.0.0.1:$(cat upstream.port)" > proxy_urls.txt
printf 'ab-key-aaaaaaaaaaaaaaaaaaaa\nab-key-bbbbbbbbbbbbbbbbbbbb\nab-key-cccccccccccccccccccc\nab-key-dddddddddddddddddddd\n' > api_keys.txt
node "$a" --port 18711 --watch-interval 0 > a.log 2>&1 & pa=$!
node "${b_args[@]}" --port 18712 --watch-interval 0 > b.log 2>&1 & pb=$!
# Wait on the ports, not on the "listening" line: a daemon at --log-level warn prints none.
up() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
until up 18711 && up 18712; do sleep 0.1; done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# A warm-up slice each, not counted: the first seconds pay for the JIT.
for port in 18711 18712; do
  (cd "$root" && npx autocannon -c 50 -d 3 -m POST -H content-type=application/json -b "$body" "http://127.0.0.1:$port$path" > /dev/null 2>&1)
done
for round in $(seq 1 "$rounds"); do
  # A then B, then B then A: whichever goes first in a pair fared several per cent better.
  order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"
  for side in $order; do
    if [ "$side" = A ]; then port=18711; pid=$pa; else port=18712; pid=$pb; fi
    before=$(cpu "$pid")
    out=$(cd "$root" && npx autocannon -c 50 -d 3 -j -m POST -H content-type=application/json -b "$body" "http://127.0.0.1:$port$path" 2>/dev/null)
    after=$(cpu "$pid")
    echo "$out" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const j = JSON.parse(s); console.log(process.argv[1], j.requests.average, Math.round((process.argv[2] * 10000) / j.requests.total)); })' "$side" $((after - before)) >> rows
  done
done
# Each slice's row too: a change that wins most pairs is real, one median can be luck.
sed 's/^/  /' rows
node -e 'const rows = require("fs").readFileSync("rows", "utf8").trim().split("\n").map((line) => line.split(" "));
const median = (values) => values.sort((x, y) => x - y)[values.length >> 1];
for (const side of ["A", "B"]) { const mine = rows.filter((row) => row[0] === side);
  console.log(`${side}: median ${median(mine.map((row) => +row[1]))} req/s, ${median(mine.map((row) => +row[2]))} µs CPU per request`); }'
