#!/usr/bin/env bash
# Runs every test of the BLUE access token service: unit tests, and integration tests against real Azurite and
# redis-server, which the tests start themselves on free ports (so a running ./run.sh is never touched) and stop
# at the end. Installs what is missing first. The last line is "N passed, N failed"; the exit code is non-zero
# on any failure.
#
#   ./test.sh [dotnet test options]      e.g. ./test.sh --filter "FullyQualifiedName~Validate"
set -uo pipefail
source "$(dirname "$0")/scripts/stack.sh"

ensure_dotnet
ensure_azurite
ensure_redis
ensure_chromium

cd "$BLUE_ROOT"
results="$BLUE_ROOT/.local/test-results"
rm -rf "$results"
mkdir -p "$results"

say "Building..."
if ! dotnet build BlueTokenFunctions.sln --nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  say "Testing $name..."
  dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
done

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

# A crashed test host or a run that executed nothing is a failure, whatever the counters say.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
