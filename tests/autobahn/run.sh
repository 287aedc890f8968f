#!/usr/bin/env bash
# Run Autobahn|Testsuite against our WebSocket server and client, and summarise.
#
#   tests/autobahn/run.sh                      # both sides, every case (1-13)
#   tests/autobahn/run.sh --side server        # only our server (wstest -m fuzzingclient)
#   tests/autobahn/run.sh --side client        # only our client (wstest -m fuzzingserver)
#   tests/autobahn/run.sh --cases '1.*,5.*'    # a subset (Autobahn case patterns)
#   tests/autobahn/run.sh --summary            # only summarise the last reports
#
# Runs setup.sh first if the Python 2.7 venv is missing. Reports go to
# tests/autobahn/reports/{servers,clients}/ (index.html to browse, index.json read here).
# Exits 1 if any case FAILED on a side that ran (behavior or close behavior).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${PYTHON:-python3}"
wstest="$here/.venv27/bin/wstest"
server_port=9001   # our echo server: the url in fuzzingclient.json
fuzzer_port=9002   # wstest's fuzzingserver: the url in fuzzingserver.json

side=both
cases=""
summary_only=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --side) side="$2"; shift 2 ;;
        --cases) cases="$2"; shift 2 ;;
        --summary) summary_only=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$side" in server|client|both) ;; *) echo "run.sh: --side server|client|both" >&2; exit 2 ;; esac

cd "$here"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# The spec to use: the checked-in one, or a copy with --cases in place of "*".
spec_for() {
    local spec="$1"
    if [[ -z "$cases" ]]; then
        echo "$spec"
        return
    fi
    local out="$here/reports/.${spec%.json}.subset.json"
    "$py" - "$spec" "$cases" "$out" <<'EOF'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["cases"] = [c.strip() for c in sys.argv[2].split(",") if c.strip()]
json.dump(spec, open(sys.argv[3], "w"), indent=3)
EOF
    echo "$out"
}

# Wait (at most 30 s) until something listens on 127.0.0.1:$1.
wait_port() {
    "$py" - "$1" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 30
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"run.sh: nothing listens on port {sys.argv[1]} after 30 s")
        time.sleep(0.1)
EOF
}

# Wait (at most 30 s) for the "listening on" line of our echo server (pid $1, log $2).
wait_listening() {
    local i
    for ((i = 0; i < 300; i++)); do
        if grep -q '^listening on ' "$2"; then
            return 0
        fi
        if ! kill -0 "$1" 2>/dev/null; then
            echo "run.sh: echo_server.py exited:" >&2
            cat "$2" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "run.sh: echo_server.py did not listen within 30 s" >&2
    exit 1
}

run_server_side() {
    rm -rf "$here/reports/servers"
    mkdir -p "$here/reports"
    local spec log="$here/reports/echo_server.log"
    spec="$(spec_for fuzzingclient.json)"
    "$py" "$here/echo_server.py" --port "$server_port" >"$log" 2>&1 &
    pids+=($!)
    wait_listening "${pids[-1]}" "$log"
    echo "== our server (wstest -m fuzzingclient) =="
    local start=$SECONDS
    "$wstest" -m fuzzingclient -s "$spec" >"$here/reports/fuzzingclient.log" 2>&1
    echo "   took $((SECONDS - start)) s"
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
    unset 'pids[-1]'
}

run_client_side() {
    rm -rf "$here/reports/clients"
    mkdir -p "$here/reports"
    local spec
    spec="$(spec_for fuzzingserver.json)"
    "$wstest" -m fuzzingserver -s "$spec" -u 0 >"$here/reports/fuzzingserver.log" 2>&1 &
    pids+=($!)
    wait_port "$fuzzer_port"
    echo "== our client (wstest -m fuzzingserver) =="
    local start=$SECONDS
    "$py" "$here/client.py" --url "ws://127.0.0.1:$fuzzer_port" -v \
        >"$here/reports/client.log" 2>&1 || echo "   client.py exited with $?"
    echo "   took $((SECONDS - start)) s"
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
    unset 'pids[-1]'
}

if [[ $summary_only -eq 0 ]]; then
    [[ -x "$wstest" ]] || "$here/setup.sh"
    if [[ $side == server || $side == both ]]; then run_server_side; fi
    if [[ $side == client || $side == both ]]; then run_client_side; fi
fi

sides=()
if [[ $side == server || $side == both ]]; then sides+=(servers); fi
if [[ $side == client || $side == both ]]; then sides+=(clients); fi

"$py" - "$here/reports" "${sides[@]}" <<'EOF'
import collections, json, os, sys

reports, sides = sys.argv[1], sys.argv[2:]
kinds = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
names = {"servers": "server (fuzzingclient)", "clients": "client (fuzzingserver)"}
failed = False


def key(case):
    return tuple(int(p) for p in case.split("."))


rows, details, timing = [], [], {}
for side in sides:
    path = os.path.join(reports, side, "index.json")
    if not os.path.exists(path):
        print(f"no report for the {names[side]}: {path} is missing")
        failed = True
        continue
    agents = json.load(open(path))
    for agent, results in sorted(agents.items()):
        counts = collections.Counter(r["behavior"] for r in results.values())
        closes = collections.Counter(r["behaviorClose"] for r in results.values())
        other = sorted(set(counts) - set(kinds))
        rows.append((f"{names[side]} [{agent}]", [counts.get(k, 0) for k in kinds], len(results),
                     ", ".join(f"{k}: {closes[k]}" for k in sorted(closes))))
        per_section = collections.defaultdict(float)
        for case, r in results.items():
            per_section[case.split(".")[0]] += r.get("duration", 0) / 1000.0
            bad = r["behavior"] not in ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED")
            bad_close = r["behaviorClose"] not in ("OK", "INFORMATIONAL")
            if bad or bad_close:
                details.append(f"  {names[side]} {case}: behavior {r['behavior']}, "
                               f"close {r['behaviorClose']} (remote code "
                               f"{r['remoteCloseCode']}) -> {side}/{r['reportfile']}")
            if r["behavior"] == "FAILED" or r["behaviorClose"] == "FAILED":
                failed = True
        if other:
            print(f"{names[side]}: other behaviors: {other}")
        timing[names[side]] = per_section

width = max([len(r[0]) for r in rows] + [10])
print()
print(f"{'side':<{width}}  " + "  ".join(f"{k:>13}" for k in kinds) + f"  {'total':>6}")
for name, counts, total, close in rows:
    print(f"{name:<{width}}  " + "  ".join(f"{c:>13}" for c in counts) + f"  {total:>6}")
for name, counts, total, close in rows:
    print(f"close behavior, {name}: {close}")
for name, per_section in timing.items():
    print(f"case time by section, {name}: " +
          ", ".join(f"{s}: {per_section[s]:.1f} s" for s in sorted(per_section, key=int)))
if details:
    print("\ncases not OK (behavior or close):")
    print("\n".join(sorted(details, key=lambda d: (d.split()[0], key(d.split(":")[0].split()[-1])))))
sys.exit(1 if failed else 0)
EOF
