#!/usr/bin/env bash
# Load benchmark: validate over HTTP against a baseline endpoint that does one Redis GET in the same host.
# Starts its own Azurite (in memory) and Redis on ports of its own, LocalHost (Release) on 7090 with the
# baseline mapped, seeds clients, and drives wrk in four scenarios. The last line printed is JSON.
#
#   bench/load.sh [--clients N] [--duration S] [--connections C] [--rounds R] [--scenarios a,b,...]
#                 [--management-concurrency N] [--answers N] [--profile DIR] [--cluster]
# --profile records a whole-machine CPU profile (Linux perf) of one validate, one baseline and one noio hit run into DIR.
# --answers N: how many distinct answers the memory scenario holds at once (100000, the local answers' capacity).
# --cluster runs everything on a Redis Cluster of three primaries and three replicas (ports 16391-16396) instead
#   of one redis-server; the baseline's GET then goes to the one shard of its key. redis-stopped is left out.
set -euo pipefail
source "$(dirname "$0")/../scripts/stack.sh"
cd "$BLUE_ROOT"

clients=10000 duration=10 connections=32 rounds=2 extra=() cluster=false scenarios_given=false
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --scenarios) scenarios_given=true; extra+=("$1" "$2"); shift 2 ;;
    --management-concurrency|--answers) extra+=("$1" "$2"); shift 2 ;;
    --cluster) cluster=true; shift ;;
    --profile) mkdir -p "$2"; extra+=(--profile "$(cd "$2" && pwd)"); export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; shift 2 ;;  # W^X double mapping hides JIT code from perf
    *) die "Unknown option $1" ;;
  esac
done

ensure_dotnet; ensure_azurite; ensure_redis
if [ -n "${DOTNET_PerfMapEnabled:-}" ] && ! command -v perf >/dev/null; then
  { [ "$(id -u)" = 0 ] && apt-get install -y -qq linux-perf >/dev/null; } || die "perf is missing: apt-get install linux-perf"
fi
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || die "wrk is missing: apt-get install wrk"

blob=20010 queue=20011 table=20012 redis_port=16390 port=7090 port_off=7091 cluster_ports=(16391 16392 16393 16394 16395 16396)
for p in $blob $queue $table $redis_port $port $port_off "${cluster_ports[@]}"; do port_in_use "$p" && die "Port $p is in use; the benchmark needs it free."; done
data="$(mktemp -d)"
host_pid="" host_off_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
  [ -n "$host_off_pid" ] && kill "$host_off_pid" 2>/dev/null && wait "$host_off_pid" 2>/dev/null
  redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true
  for p in "${cluster_ports[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  stop_started
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT   # a signal ends the run; the exit stops what it started
trap 'exit 143' TERM

node node_modules/azurite/dist/src/azurite.js --silent --inMemoryPersistence --skipApiVersionCheck --disableTelemetry \
  --blobPort $blob --queuePort $queue --tablePort $table >"$data/azurite.log" 2>&1 &
BLUE_STARTED_PIDS+=($!)
start_redis_bench() { redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --dir "$data" --daemonize yes >/dev/null; wait_for_port $redis_port 10 redis-server; }
start_redis_bench
cluster_ok() { for p in "${cluster_ports[@]}"; do redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || return 1; done; }
start_cluster_bench() {
  local nodes=()
  for p in "${cluster_ports[@]}"; do
    mkdir -p "$data/cluster-$p"
    redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$data/cluster-$p" --daemonize yes \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 --repl-diskless-sync-delay 0 >/dev/null
    nodes+=("127.0.0.1:$p")
  done
  for p in "${cluster_ports[@]}"; do wait_for_port "$p" 10 "redis-server (cluster)"; done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$data/cluster.log" 2>&1 || die "redis-cli --cluster create failed (see $data/cluster.log)"
  local deadline=$((SECONDS + 30))
  until cluster_ok; do
    [ $SECONDS -lt $deadline ] || die "the cluster did not reach cluster_state:ok within 30 s"
    sleep 0.2
  done
}
if $cluster; then
  say "Starting a Redis Cluster of three primaries and three replicas on ${cluster_ports[0]}-${cluster_ports[5]}..."
  start_cluster_bench
fi
wait_for_port $table 30 Azurite

say "Building (Release)..."
dotnet build src/LocalHost/BlueTokens.LocalHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build bench/Load/BlueTokens.Load.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export TokenStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export Redis__ConnectionString="127.0.0.1:$redis_port"
redis_args=(--redis-port $redis_port)
if $cluster; then
  export Redis__ConnectionString="$(printf '127.0.0.1:%s,' "${cluster_ports[@]}" | sed 's/,$//')"
  replicas="$(for p in "${cluster_ports[@]}"; do redis-cli -p "$p" role | head -1 | grep -q slave && printf '%s,' "$p"; done | sed 's/,$//')"
  redis_args=(--redis-ports "$(IFS=,; echo "${cluster_ports[*]}")" --replica-ports "$replicas")
  $scenarios_given || extra+=(--scenarios hit,ceiling,hit-half-load,junk,miss,management,revocation-latency)
fi
export LocalHost__Benchmark=true LocalHost__DisableTimers=true
export Tenants__MaxClients=$(( clients + 100 )) Validate__MaxFailuresPerMinute=1000000000
export Logging__LogLevel__Default=Warning
say "Starting LocalHost on $port..."
dotnet src/LocalHost/bin/Release/net10.0/BlueTokens.LocalHost.dll --port $port --settings "$BLUE_ROOT/local.settings.sample.json" >"$data/host.log" 2>&1 &
host_pid=$!
# A second host over the same store with the local answers off: validate as one Redis GET, side by side.
Cache__LocalLease=00:00:00 dotnet src/LocalHost/bin/Release/net10.0/BlueTokens.LocalHost.dll --port $port_off \
  --settings "$BLUE_ROOT/local.settings.sample.json" >"$data/host-off.log" 2>&1 &
host_off_pid=$!
wait_for_port $port 60 LocalHost
wait_for_port $port_off 60 "LocalHost (local answers off)"

issuer="$(sed -n 's/.*"Auth__Issuer": "\(.*\)".*/\1/p' local.settings.sample.json)"
audience="$(sed -n 's/.*"Auth__Audience": "\(.*\)".*/\1/p' local.settings.sample.json)"
signing="$(sed -n 's/.*"Auth__SigningKey": "\(.*\)".*/\1/p' local.settings.sample.json)"
dotnet bench/Load/bin/Release/net10.0/BlueTokens.Load.dll \
  --base-url "http://127.0.0.1:$port" --clients "$clients" --duration "$duration" --connections "$connections" --rounds "$rounds" \
  --script bench/validate.lua "${redis_args[@]}" --redis-restart "redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --dir '$data' --daemonize yes" \
  --host-pid "$host_pid" --base-url-off "http://127.0.0.1:$port_off" --host-pid-off "$host_off_pid" --issuer "$issuer" --audience "$audience" --signing-key "$signing" "${extra[@]}"
