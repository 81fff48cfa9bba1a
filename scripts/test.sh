#!/usr/bin/env bash
# Runs every test tier: unit, integration (real PostgreSQL and Kafka) and end to end. The jest
# global setup starts what is missing (PostgreSQL, the local Kafka broker) and stops what it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
source scripts/node-runtime.sh
# One worker runs the suites one after another. Every suite loads the services afresh in its own context, and
# whatever a suite leaves referenced from the shared process (a listener, a handle) keeps that context alive, so a
# single process's heap grows through the run (about 7 MB/s; past V8's default ~3.6 GB in a clean run). The worker is
# replaced whenever it holds more than 2 GB after a suite (--workerIdleMemoryLimit), which bounds the run
# instead of feeding it ever more heap.
export NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=4096"
# --forceExit: a service left half-started by a failed test must not hang CI until its time limit.
exec npx jest --maxWorkers=1 --workerIdleMemoryLimit=2G --forceExit "$@"
