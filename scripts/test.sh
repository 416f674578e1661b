#!/usr/bin/env bash
# The test command (`npm test`): brings up the local stack of real services (installing what is
# missing: Debian packages, Maven artifacts, the optional librdkafka binding), runs every test tier in one jest run, and stops the
# services this run started. Services that were already running are left running.
set -euo pipefail
cd "$(dirname "$0")/.."
stack() { npx tsx infra/local/cli.ts "$@"; }

running_before=" $(stack running 2>/dev/null || true) "
stop_started() {
  local name to_stop=()
  for name in $(stack running 2>/dev/null || true); do
    [[ "$running_before" == *" $name "* ]] || to_stop+=("$name")
  done
  if [ ${#to_stop[@]} -gt 0 ]; then stack down "${to_stop[@]}" || true; fi
}
trap stop_started EXIT

stack up
stack status
# The librdkafka producer (log.kafka.client: librdkafka) is an optional package whose default install
# cannot build here: build it against Debian's libraries when it does not load (~2 min, once).
node --import tsx pipeline/log/kafka/rdkafka/install.ts
node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand "$@"
