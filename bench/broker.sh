#!/usr/bin/env bash
# Measures the local Kafka broker: how long `kafka.sh start` takes until the admin client answers
# and the topics exist (warm: jars fetched and log dir formatted), and its resident memory once idle.
# Same-run baseline: a bare JVM start (`java -version`, the floor under any broker start here).
# Prints figures and one RESULT line; asserts nothing. Leaves the broker as it found it.
#
# It stops and starts the broker of KAFKA_CACHE_DIR / KAFKA_PORT (kafka.sh's defaults: the shared one on
# 9092). To leave a broker others use alone, point it at one of your own, e.g.
#   KAFKA_CACHE_DIR=/tmp/kf-me KAFKA_LIB_DIR=<repo>/.cache/kafka/lib KAFKA_PORT=9240 KAFKA_CONTROLLER_PORT=9241 npm run bench:broker
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kafka="$root/deploy/local/kafka.sh"
cache="${KAFKA_CACHE_DIR:-$root/.cache/kafka}"
runs="${RUNS:-3}"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then java="$JAVA_HOME/bin/java"; else java=java; fi

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

was_running=0
if bash "$kafka" status >/dev/null 2>&1; then was_running=1; bash "$kafka" stop >/dev/null; fi

starts=()
rss=()
jvm=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$java" -version >/dev/null 2>&1
  jvm+=("$(seconds_since "$start")")

  start=$(date +%s.%N)
  bash "$kafka" start >/dev/null
  starts+=("$(seconds_since "$start")")
  sleep 5 # let it settle before reading its memory
  pid=$(cat "$cache/kafka.pid")
  rss_kb=$(ps -o rss= -p "$pid" | tr -d ' ')
  rss+=("$((rss_kb / 1024))")
  printf 'run %d: start to ready %s s (bare JVM start %s s), idle RSS %d MB\n' "$i" "${starts[-1]}" "${jvm[-1]}" "${rss[-1]}"
  bash "$kafka" stop >/dev/null
done

if [ "$was_running" = 1 ]; then bash "$kafka" start >/dev/null; fi

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
json_list() { local IFS=,; echo "[$*]"; }
start_median=$(median "${starts[@]}")
jvm_median=$(median "${jvm[@]}")
printf 'RESULT {"bench":"broker","runs":%d,"startSeconds":%s,"medianStartSeconds":%s,"idleRssMb":%s,"medianIdleRssMb":%s,"baseline":{"what":"bare JVM start (java -version)","medianSeconds":%s},"ratio":%s}\n' \
  "$runs" "$(json_list "${starts[@]}")" "$start_median" "$(json_list "${rss[@]}")" "$(median "${rss[@]}")" \
  "$jvm_median" "$(awk -v a="$start_median" -v b="$jvm_median" 'BEGIN { printf "%.1f", a / b }')"
