#!/usr/bin/env bash
# Stops what `npm start` started: the four services (gracefully), then the local Kafka broker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$root/.cache/run"

for svc in attestation reseller-relationship order-gate audit; do
  pid_file="$run_dir/$svc.pid"
  [ -f "$pid_file" ] || continue
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stop: $svc stopped"
  fi
  rm -f "$pid_file"
done

if [ -z "${KAFKA_BROKERS:-}" ]; then
  bash "$root/deploy/local/kafka.sh" stop
fi
