#!/usr/bin/env bash
# Measures the local Kafka broker: how long `kafka.sh start` takes until the admin client answers
# and the topics exist (warm: jars fetched and log dir formatted), and its resident memory once idle.
# Prints figures; asserts nothing. Leaves the broker as it found it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kafka="$root/deploy/local/kafka.sh"
runs="${RUNS:-3}"

was_running=0
if bash "$kafka" status >/dev/null 2>&1; then was_running=1; bash "$kafka" stop >/dev/null; fi

for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  bash "$kafka" start >/dev/null
  end=$(date +%s.%N)
  sleep 5 # let it settle before reading its memory
  pid=$(cat "$root/.cache/kafka/kafka.pid")
  rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ')
  printf 'run %d: start to ready %.1f s, idle RSS %d MB\n' "$i" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$((rss_kb / 1024))"
  bash "$kafka" stop >/dev/null
done

if [ "$was_running" = 1 ]; then bash "$kafka" start >/dev/null; fi
