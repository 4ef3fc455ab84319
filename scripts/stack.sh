# Shared by run.sh and test.sh: install what the local stack needs, and start Azurite and Redis.
# Source it; it defines functions and changes nothing until they are called.

BLUE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BLUE_STARTED_PIDS=()

say() { printf '\033[1m[blue]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[blue] %s\033[0m\n' "$*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() { # port seconds what
  local deadline=$((SECONDS + $2))
  until port_in_use "$1"; do
    [ $SECONDS -lt $deadline ] || die "$3 did not listen on 127.0.0.1:$1 within $2 s (see its log under .local/)."
    sleep 0.1
  done
}

ensure_dotnet() {
  command -v dotnet >/dev/null || die "The .NET SDK is missing: install .NET 10 (https://dot.net), then run this again."
}

ensure_azurite() {
  command -v node >/dev/null || die "Node.js is missing: Azurite runs on it. Install it (apt-get install nodejs npm), then run this again."
  local installed
  installed="$(node -p "require('$BLUE_ROOT/node_modules/azurite/package.json').version" 2>/dev/null || true)"
  local wanted
  wanted="$(node -p "require('$BLUE_ROOT/package.json').devDependencies.azurite")"
  if [ "$installed" != "$wanted" ]; then
    say "Installing Azurite $wanted (npm ci, once)..."
    (cd "$BLUE_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed: Azurite could not be installed."
  fi
}

ensure_redis() {
  command -v redis-server >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing redis-server from Debian (once)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
      || die "apt-get could not install redis-server."
    # Debian's package starts a service on 6379; this project starts its own servers, so stop that one.
    (command -v systemctl >/dev/null && systemctl stop redis-server 2>/dev/null) || service redis-server stop >/dev/null 2>&1 || true
  else
    die "redis-server is missing. Install it as root: sudo apt-get install redis-server (or set Redis__ConnectionString to a Redis you run)."
  fi
}

# Debian's chromium, which the browser tests (tests/BrowserTests) drive with Playwright. Never a downloaded
# browser. Without it those tests fail with a message; the other tests still run.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing chromium from Debian (once, for the browser tests)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || die "apt-get could not install chromium."
  else
    say "chromium is missing, so the browser tests will fail. Install it as root: sudo apt-get install chromium"
  fi
}

# start_azurite BLOB_PORT QUEUE_PORT TABLE_PORT DATA_DIR: starts it unless its table port already listens.
start_azurite() {
  if port_in_use "$3"; then
    say "Azurite: something already listens on $3; reusing it."
    return 0
  fi
  mkdir -p "$4"
  node "$BLUE_ROOT/node_modules/azurite/dist/src/azurite.js" --silent --skipApiVersionCheck --disableTelemetry \
    --blobPort "$1" --queuePort "$2" --tablePort "$3" --location "$4" >"$4/azurite.log" 2>&1 &
  BLUE_STARTED_PIDS+=($!)
  wait_for_port "$1" 30 Azurite; wait_for_port "$2" 30 Azurite; wait_for_port "$3" 30 Azurite
  say "Azurite: started on ports $1, $2, $3 (data in ${4#"$BLUE_ROOT"/})."
}

# start_redis PORT DIR: starts it unless the port already listens.
start_redis() {
  if port_in_use "$1"; then
    say "Redis: something already listens on $1; reusing it."
    return 0
  fi
  mkdir -p "$2"
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --dir "$2" --logfile "$2/redis.log" &
  BLUE_STARTED_PIDS+=($!)
  wait_for_port "$1" 10 redis-server
  say "Redis: started on port $1."
}

# Stops exactly what this script started, nothing else.
stop_started() {
  local pid
  for pid in "${BLUE_STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BLUE_STARTED_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BLUE_STARTED_PIDS=()
}
