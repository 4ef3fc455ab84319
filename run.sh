#!/usr/bin/env bash
# Runs the BLUE access token service locally: installs what is missing, starts Azurite and Redis where nothing
# listens on their ports yet, and serves the API on http://127.0.0.1:7071/api. Ctrl-C stops what it started.
#
#   ./run.sh [--port N] [--tenant T]
#     --port N    serve on port N instead of 7071, sharing the running Azurite and Redis (a second instance)
#     --tenant T  the tenant of the printed development admin JWT (default: dev)
set -euo pipefail
source "$(dirname "$0")/scripts/stack.sh"

port=7071
tenant=dev
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --tenant) tenant="${2:?--tenant needs a name}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "Unknown option $1 (see ./run.sh --help)." ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] || die "--port takes a number, not '$port'."
port_in_use "$port" && die "Port $port is already in use: stop what listens there, or pass --port N."

ensure_dotnet
ensure_azurite
ensure_redis

cd "$BLUE_ROOT"
if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  say "Created local.settings.json from local.settings.sample.json (development values)."
fi

host_pid=""
cleanup() {
  trap - EXIT
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
  stop_started
}
# A signal ends the script (a handler that only cleaned up would let it go on to start the host, say after Ctrl-C
# during the build); the exit stops what it started.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_azurite 10000 10001 10002 "$BLUE_ROOT/.azurite"
start_redis 6379 "$BLUE_ROOT/.local/redis"

say "Building (incremental)..."
dotnet build src/LocalHost/BlueTokens.LocalHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null \
  || { dotnet build src/LocalHost/BlueTokens.LocalHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly; die "Build failed."; }

say "Serving on http://127.0.0.1:$port/api"
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
  dotnet src/LocalHost/bin/Release/net10.0/BlueTokens.LocalHost.dll \
  --port "$port" --tenant "$tenant" --settings "$BLUE_ROOT/local.settings.json" &
host_pid=$!
wait "$host_pid"
