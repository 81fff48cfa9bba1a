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
# One process runs every suite in turn (--runInBand) and its heap grows with each suite's modules: at 133 suites it
# reached V8's default limit (~3.6 GB) on a clean run. 6 GB of this machine's 24 leaves it room.
export NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=6144"
# --forceExit: a service left half-started by a failed test must not hang CI until its time limit.
exec npx jest --runInBand --forceExit "$@"
