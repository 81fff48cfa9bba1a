#!/usr/bin/env bash
# Stops what `npm start` started: every instance of the four services it finds in .cache/run
# (gracefully, all at once), the local OIDC provider, then the local Kafka broker (KAFKA_CLUSTER=1: the local 3-broker cluster).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$root/.cache/run"

stop_one() { # name pid_file
  local name="$1" pid_file="$2" pid
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stop: $name stopped"
  fi
  rm -f "$pid_file"
}

# The console first: it only calls the services.
[ -f "$run_dir/console.pid" ] && stop_one console "$run_dir/console.pid"

stopping=()
for svc in attestation reseller-relationship order-gate audit; do
  # <svc>.pid is instance 1 (<svc>-1.pid links to it); <svc>-2.pid, ... the others (INSTANCES=N).
  for pid_file in "$run_dir/$svc.pid" "$run_dir/$svc"-[0-9]*.pid; do
    [ -f "$pid_file" ] && [ ! -L "$pid_file" ] || continue
    name="$(basename "$pid_file" .pid)"
    [ "$name" = "$svc" ] || name="$svc#${name##*-}"
    stop_one "$name" "$pid_file" &
    stopping+=($!)
  done
  rm -f "$run_dir/$svc-1.pid"
done
[ ${#stopping[@]} -eq 0 ] || wait "${stopping[@]}"

# The local OpenID Connect provider, once the services that fetch its keys are gone.
[ -f "$run_dir/oidc-provider.pid" ] && stop_one oidc-provider "$run_dir/oidc-provider.pid"

if [ -z "${KAFKA_BROKERS:-}" ]; then
  case "${KAFKA_CLUSTER:-}" in
    1 | true | yes) bash "$root/deploy/local/kafka.sh" cluster stop ;;
    *) bash "$root/deploy/local/kafka.sh" stop ;;
  esac
fi
