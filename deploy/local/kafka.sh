#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller) for local runs and
# tests, without Docker: the jars come from Maven Central once, the broker runs as a plain JVM.
#
#   bash deploy/local/kafka.sh start     fetch the jars (first run), format the data dir (first run),
#                                        start the broker, wait until it answers, create the topics
#   bash deploy/local/kafka.sh stop      stop the broker this script started (SIGTERM, then SIGKILL)
#   bash deploy/local/kafka.sh restart
#   bash deploy/local/kafka.sh status    exit 0 when a broker answers, 1 when ours runs but does not
#                                        answer, 3 when nothing runs
#   bash deploy/local/kafka.sh logs [-f] [-n LINES]
#   bash deploy/local/kafka.sh topics    (re)create the topics of deploy/kafka/topics.json, set their config
#   bash deploy/local/kafka.sh fetch     fetch the jars only
#   bash deploy/local/kafka.sh cluster start|stop|status|kill N|start-node N|pid N|bootstrap
#                                        the local 3-node cluster (deploy/local/kafka-cluster.sh)
#   bash deploy/local/kafka.sh env PRINCIPAL --secured
#                                        prints the shell exports that log a client in as PRINCIPAL
#
# --secured (after the command, or KAFKA_SECURED=1): a second, separate broker with real security
# (S-04), in its own cache dir and on its own ports, so it runs beside the plain one: a SASL/SCRAM-SHA-512
# listener (SASL_PLAINTEXT: loopback only, no TLS), KRaft's StandardAuthorizer with
# allow.everyone.if.no.acl.found=false, the super user `admin` for this script, and one SCRAM principal
# per service and for the commerce platform (attestation, reseller-relationship, order-gate, audit,
# commerce-platform), their passwords generated into <cache>/credentials/ (never committed). After
# start it sets the ACLs of libs/contracts/src/topic-access.json (kafka-admin.js create-acls).
#
# Needs: Java 11+ (java on PATH or JAVA_HOME), Maven (first run only), Node and the repo's
# node_modules (kafkajs, for readiness checks and topic creation).
#
# Environment:
#   KAFKA_CACHE_DIR       where jars, config, data, pid and log live   (<repo>/.cache/kafka;
#                         secured: <repo>/.cache/kafka-secured)
#   KAFKA_LIB_DIR         the jars                                      (<cache>/lib; secured: the plain one's)
#   KAFKA_HEAP_OPTS       JVM heap                                      (-Xms256m -Xmx512m)
#   KAFKA_JVM_PERFORMANCE_OPTS  GC and JVM flags                        (G1, as kafka-run-class.sh)
#   KAFKA_OPTS            extra JVM flags
#   KAFKA_PORT            broker port on 127.0.0.1                      (9092; secured: 9094)
#   KAFKA_CONTROLLER_PORT controller (KRaft quorum) port on 127.0.0.1   (9093; secured: 9095)
#   KAFKA_GROUP_PREFIX    secured: the services' consumer groups, for the ACLs  (acceptance-gate)
#   KAFKA_START_TIMEOUT_MS how long start waits for the broker to answer (90000)
#   KAFKA_STOP_TIMEOUT_S  how long stop waits after SIGTERM before SIGKILL (30)
#
# Files under KAFKA_CACHE_DIR: lib/ (jars + .kafka-version marker), server.properties (rewritten on
# every start), cluster.id, data/ (the log dir), kafka.pid, kafka.log (previous run: kafka.log.1).
set -euo pipefail

KAFKA_VERSION="3.9.2"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/log4j.properties"
ADMIN_JS="$SCRIPT_DIR/kafka-admin.js"
TOPICS_FILE="$REPO_ROOT/deploy/kafka/topics.json"

SECURED=0
case "${KAFKA_SECURED:-}" in 1 | true | yes) SECURED=1 ;; esac
for arg in "$@"; do [[ "$arg" == "--secured" ]] && SECURED=1; done

if ((SECURED)); then
  CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka-secured}"
  DEFAULT_PORT=9094
  DEFAULT_CONTROLLER_PORT=9095
  DEFAULT_LIB_DIR="$REPO_ROOT/.cache/kafka/lib"
else
  CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}"
  DEFAULT_PORT=9092
  DEFAULT_CONTROLLER_PORT=9093
  DEFAULT_LIB_DIR=""
fi
mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd -P)"
LIB_DIR="${KAFKA_LIB_DIR:-${DEFAULT_LIB_DIR:-$CACHE_DIR/lib}}"
CREDENTIALS_DIR="$CACHE_DIR/credentials"
# The super user this script logs in as, and one principal per writer/reader of topic-access.json.
ADMIN_PRINCIPAL="admin"
SERVICE_PRINCIPALS=(attestation reseller-relationship order-gate audit commerce-platform)
GROUP_PREFIX="${KAFKA_GROUP_PREFIX:-acceptance-gate}"
LIB_MARKER="$LIB_DIR/.kafka-version"
DATA_DIR="$CACHE_DIR/data"
CONFIG_FILE="$CACHE_DIR/server.properties"
CLUSTER_ID_FILE="$CACHE_DIR/cluster.id"
PID_FILE="$CACHE_DIR/kafka.pid"
LOG_FILE="$CACHE_DIR/kafka.log"
LOCK_FILE="$CACHE_DIR/.lock"

HOST="127.0.0.1"
PORT="${KAFKA_PORT:-$DEFAULT_PORT}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$DEFAULT_CONTROLLER_PORT}"
BOOTSTRAP="$HOST:$PORT"
START_TIMEOUT_MS="${KAFKA_START_TIMEOUT_MS:-90000}"
STOP_TIMEOUT_S="${KAFKA_STOP_TIMEOUT_S:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
EXTRA_OPTS="${KAFKA_OPTS:-}"

if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

say() { printf 'kafka: %s\n' "$*"; }
warn() { printf 'kafka: %s\n' "$*" >&2; }
die() {
  printf 'kafka: error: %s\n' "$*" >&2
  exit 1
}

now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo $((t / 1000))
  else
    echo $(($(date +%s) * 1000))
  fi
}

elapsed_s() { # start_ms -> "12.3"
  local ms=$(($(now_ms) - $1))
  printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}

# Serialise start/stop/restart between concurrent callers (e.g. parallel test runners). The lock is
# on fd 9, which the broker itself must not inherit (see launch_broker).
take_lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "another kafka.sh is busy with $CACHE_DIR for more than 300s (lock $LOCK_FILE)"
  fi
}

port_open() { # port -> 0 when something accepts connections on $HOST:port
  (: <"/dev/tcp/$HOST/$1") 2>/dev/null
}

require_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "Java 11+ is needed to run the broker: put 'java' on PATH or set JAVA_HOME"
}

require_node() {
  # shellcheck source=../../scripts/node-runtime.sh
  source "$REPO_ROOT/scripts/node-runtime.sh"
  command -v node >/dev/null 2>&1 || die "Node.js is needed (for the readiness check and topic creation): put 'node' on PATH"
  [[ -d "$REPO_ROOT/node_modules/kafkajs" ]] ||
    die "the 'kafkajs' package is missing from $REPO_ROOT/node_modules: run 'npm install' (or 'npm ci') in $REPO_ROOT first"
}

password_file() { echo "$CREDENTIALS_DIR/$1.password"; }

# The secured broker's passwords: generated once, readable by this user only, never printed.
ensure_credentials() {
  mkdir -p "$CREDENTIALS_DIR"
  chmod 700 "$CREDENTIALS_DIR"
  local principal file
  for principal in "$ADMIN_PRINCIPAL" "${SERVICE_PRINCIPALS[@]}"; do
    file="$(password_file "$principal")"
    [[ -s "$file" ]] && continue
    (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))" >"$file")
  done
}

as_admin() { # runs a command with the super user's login in its environment (secured mode)
  if ((SECURED)); then
    KAFKA_SSL='' KAFKA_SSL_CA_FILE='' KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME="$ADMIN_PRINCIPAL" \
      KAFKA_SASL_PASSWORD="$(cat "$(password_file "$ADMIN_PRINCIPAL")")" "$@"
  else
    "$@"
  fi
}

admin() { # kafka-admin.js command args... (always against our host:port)
  as_admin node "$ADMIN_JS" "$@" --brokers "$BOOTSTRAP"
}

broker_answers() { # quick check, no output
  as_admin node "$ADMIN_JS" wait --timeout-ms 1500 --brokers "$BOOTSTRAP" >/dev/null 2>&1
}

process_cmdline() { # pid -> its full command line (space-separated), empty when gone
  if [[ -r "/proc/$1/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -p "$1" -o args= 2>/dev/null || true
  fi
}

is_our_broker() { # pid -> 0 when it is a live kafka.Kafka on our server.properties
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/stat" ]]; then
    local stat
    stat="$(cat "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "${stat##*) }" == Z* ]] && return 1 # zombie: already dead
  fi
  [[ "$(process_cmdline "$pid")" == *"kafka.Kafka $CONFIG_FILE"* ]]
}

# Prints the pid of the broker this script started, if it still runs; removes a stale pid file.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -cd '0-9' <"$PID_FILE" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  warn "removing stale pid file $PID_FILE${pid:+ (pid $pid is not a running broker of ours)}"
  rm -f "$PID_FILE"
  return 1
}

show_log_tail() {
  if [[ -s "$LOG_FILE" ]]; then
    warn "last 40 lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" | sed 's/^/  | /' >&2
  else
    warn "$LOG_FILE is empty or missing"
  fi
}

lib_fingerprint() {
  printf 'kafka_2.13-%s pom-cksum-%s\n' "$KAFKA_VERSION" "$(cksum <"$POM" | awk '{print $1}')"
}

ensure_jars() {
  local want
  want="$(lib_fingerprint)"
  if [[ -f "$LIB_MARKER" && "$(cat "$LIB_MARKER")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "Maven ('mvn') is needed once, to fetch Apache Kafka $KAFKA_VERSION from Maven Central into $LIB_DIR"
  say "fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central into $LIB_DIR (first run only)..."
  local started tmp="$LIB_DIR.tmp"
  started="$(now_ms)"
  rm -rf "$tmp"
  # Maven's output goes to a file (shown only on failure): even with -q -B, Debian's Maven 3.8
  # prints stray ANSI reset codes.
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -Dkafka.cache.dir="$CACHE_DIR" -Dkafka.lib.dir="$tmp" \
    >"$CACHE_DIR/maven.log" 2>&1; then
    tail -n 60 "$CACHE_DIR/maven.log" | sed 's/^/  | /' >&2
    rm -rf "$tmp"
    die "Maven could not fetch Kafka $KAFKA_VERSION (output above, full log $CACHE_DIR/maven.log); is Maven Central reachable?"
  fi
  rm -f "$CACHE_DIR/maven.log"
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Maven finished but $tmp/kafka_2.13-$KAFKA_VERSION.jar is missing"
  rm -rf "$LIB_DIR" "$CACHE_DIR/maven-target"
  mv "$tmp" "$LIB_DIR"
  printf '%s\n' "$want" >"$LIB_MARKER"
  say "fetched $(find "$LIB_DIR" -name '*.jar' | wc -l | tr -d ' ') jars in $(elapsed_s "$started")s"
}

listeners_config() {
  if ((SECURED)); then
    local admin_password
    admin_password="$(cat "$(password_file "$ADMIN_PRINCIPAL")")"
    cat <<EOF
# Secured (S-04): clients log in with SASL/SCRAM-SHA-512 on the BROKER listener. SASL_PLAINTEXT, not
# SASL_SSL: the listener is on loopback only, so nothing crosses a network in the clear. The broker
# reaches its own controller as the super user over SASL/PLAIN (KRaft controllers cannot use SCRAM).
listeners=BROKER://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=BROKER://$HOST:$PORT
inter.broker.listener.name=BROKER
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.broker.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_PRINCIPAL" password="$admin_password";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$ADMIN_PRINCIPAL" password="$admin_password" user_$ADMIN_PRINCIPAL="$admin_password";

# Nothing is allowed that an ACL does not allow; only the super user may do everything.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$ADMIN_PRINCIPAL
EOF
  else
    cat <<EOF
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
EOF
  fi
}

write_config() {
  mkdir -p "$DATA_DIR"
  (umask 077 && : >"$CONFIG_FILE")
  cat >"$CONFIG_FILE" <<EOF
# Generated by deploy/local/kafka.sh on every start: edit the script, not this file.
# Single-node KRaft: this one process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
$(listeners_config)

log.dirs=$DATA_DIR

# Topics are created explicitly (deploy/kafka/topics.json), never by a stray producer/consumer.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=6
default.replication.factor=1
min.insync.replicas=1

# One broker: every internal topic has a single replica; consumers join a group immediately.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0

# Small footprint for a dev box.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=268435456
log.retention.check.interval.ms=300000
EOF
}

java_tool() { # runs a Kafka main class with our classpath and log4j config
  "$JAVA" -Xmx256m -Dlog4j.configuration="file:$LOG4J_CONFIG" -cp "$LIB_DIR/*" "$@"
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
      sed -n 's/^cluster\.id=//p' "$DATA_DIR/meta.properties" >"$CLUSTER_ID_FILE"
    fi
    return 0
  fi
  local cluster_id out
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    # The tool may log a line or two on stdout before the id: keep the last line only.
    cluster_id="$(java_tool kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] ||
      die "kafka.tools.StorageTool random-uuid did not print a cluster id (got '$cluster_id')"
    printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  say "formatting $DATA_DIR for cluster $cluster_id (first run only)"
  local scram=() principal
  if ((SECURED)); then
    # The SCRAM users go into the cluster's bootstrap metadata (KIP-900), before the broker first starts.
    for principal in "$ADMIN_PRINCIPAL" "${SERVICE_PRINCIPALS[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(cat "$(password_file "$principal")")]")
    done
  fi
  if ! out="$(java_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_FILE" ${scram[@]+"${scram[@]}"} 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "formatting $DATA_DIR failed"
  fi
}

launch_broker() {
  local heap perf extra launcher=()
  read -r -a heap <<<"$HEAP_OPTS"
  read -r -a perf <<<"$JVM_PERFORMANCE_OPTS"
  read -r -a extra <<<"$EXTRA_OPTS"
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"

  # The subshell exec's into setsid -> nohup -> java, so $! is the JVM's pid. It is not a process
  # group leader (no job control here), so setsid does not fork. fd 9 (the lock) is closed for it.
  (
    cd "$CACHE_DIR"
    exec ${launcher[@]+"${launcher[@]}"} nohup "$JAVA" \
      ${heap[@]+"${heap[@]}"} ${perf[@]+"${perf[@]}"} ${extra[@]+"${extra[@]}"} \
      -Dlog4j.configuration="file:$LOG4J_CONFIG" -Dkafka.logs.dir="$CACHE_DIR" \
      -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE" \
      >>"$LOG_FILE" 2>&1 </dev/null 9>&-
  ) &
  local pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  echo "$pid"
}

wait_and_create_topics() { # pid started_ms
  local pid="$1" started="$2" rc=0
  admin wait --timeout-ms "$START_TIMEOUT_MS" --pid "$pid" >/dev/null || rc=$?
  case "$rc" in
    0) ;;
    2)
      rm -f "$PID_FILE"
      show_log_tail
      die "the broker process ($pid) exited during startup; see $LOG_FILE"
      ;;
    *)
      show_log_tail
      warn "the broker (pid $pid) did not answer on $BOOTSTRAP within ${START_TIMEOUT_MS}ms; stopping it"
      stop_pid "$pid" || true
      die "startup timed out (raise KAFKA_START_TIMEOUT_MS if this machine is just slow)"
      ;;
  esac
  if ! is_our_broker "$pid"; then
    show_log_tail
    die "something answers on $BOOTSTRAP but the process we started ($pid) is not running"
  fi
  say "broker answers on $BOOTSTRAP after $(elapsed_s "$started")s (pid $pid)"
  ensure_topics_and_acls
}

# Creates the missing topics and sets their config (S-06: an existing broker's fact topics get their
# unlimited retention too); on the secured broker, then the ACLs.
ensure_topics_and_acls() {
  admin create-topics --topics-file "$TOPICS_FILE" | sed 's/^kafka-admin: /kafka: /' ||
    die "creating the topics failed"
  if ((SECURED)); then
    admin create-acls --group-prefix "$GROUP_PREFIX" | sed 's/^kafka-admin: /kafka: /' ||
      die "setting the ACLs failed"
  fi
}

cmd_start() {
  local started pid
  started="$(now_ms)"
  require_node
  take_lock

  if pid="$(our_pid)"; then
    if broker_answers; then
      say "already running (pid $pid) and answering on $BOOTSTRAP"
      ensure_topics_and_acls
      return 0
    fi
    say "the broker (pid $pid) is running but not answering yet; waiting for it"
    wait_and_create_topics "$pid" "$started"
    return 0
  fi

  if port_open "$PORT"; then
    if broker_answers; then
      say "a Kafka broker not started by this script already answers on $BOOTSTRAP"
      ensure_topics_and_acls
      return 0
    fi
    die "$BOOTSTRAP is taken by something that is not a Kafka broker; free the port or set KAFKA_PORT"
  fi
  if port_open "$CONTROLLER_PORT"; then
    die "the controller port $HOST:$CONTROLLER_PORT is taken; free it or set KAFKA_CONTROLLER_PORT"
  fi

  require_java
  ensure_jars
  if ((SECURED)); then
    [[ -f "$DATA_DIR/meta.properties" && ! -s "$(password_file "$ADMIN_PRINCIPAL")" ]] &&
      die "$DATA_DIR was formatted with passwords that $CREDENTIALS_DIR no longer has: remove $DATA_DIR and $CLUSTER_ID_FILE to start afresh"
    ensure_credentials
  fi
  write_config
  format_storage
  pid="$(launch_broker)"
  say "starting Apache Kafka $KAFKA_VERSION (pid $pid, log $LOG_FILE)"
  wait_and_create_topics "$pid" "$started"
  say "ready in $(elapsed_s "$started")s"
}

stop_pid() { # pid -> SIGTERM, poll, SIGKILL
  local pid="$1" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + STOP_TIMEOUT_S * 1000))
  while is_our_broker "$pid"; do
    if (($(now_ms) >= deadline)); then
      warn "pid $pid still running ${STOP_TIMEOUT_S}s after SIGTERM: sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while is_our_broker "$pid"; do sleep 0.1; done
      break
    fi
    sleep 0.25
  done
  rm -f "$PID_FILE"
}

cmd_stop() {
  local pid started
  started="$(now_ms)"
  take_lock
  if ! pid="$(our_pid)"; then
    if port_open "$PORT"; then
      say "no broker started by this script is running (something else listens on $BOOTSTRAP; left alone)"
    else
      say "not running: nothing to stop"
    fi
    return 0
  fi
  say "stopping the broker (pid $pid)..."
  stop_pid "$pid"
  say "stopped in $(elapsed_s "$started")s"
}

cmd_status() {
  local pid="" answers=1
  pid="$(our_pid)" || pid=""
  if command -v node >/dev/null 2>&1 && [[ -d "$REPO_ROOT/node_modules/kafkajs" ]]; then
    broker_answers && answers=0
  elif port_open "$PORT"; then
    answers=0 # cannot ask without kafkajs; an open port is the best we know
  fi
  if [[ -n "$pid" && "$answers" == 0 ]]; then
    local rss_kb
    rss_kb="$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)"
    say "running: pid $pid, answering on $BOOTSTRAP, cluster $(cat "$CLUSTER_ID_FILE" 2>/dev/null || echo '?'), RSS ${rss_kb:+$((rss_kb / 1024))}MB"
    say "data $DATA_DIR, log $LOG_FILE"
    admin list-topics 2>/dev/null | grep -v '^__' | sed 's/^/  topic /' || true
    return 0
  elif [[ -n "$pid" ]]; then
    say "process $pid is running but the broker does not answer on $BOOTSTRAP (starting, or stuck: see '$0 logs')"
    return 1
  elif [[ "$answers" == 0 ]]; then
    say "a broker answers on $BOOTSTRAP but it was not started by this script"
    return 0
  fi
  say "not running"
  return 3
}

cmd_logs() {
  local follow=0 lines=200
  while (($# > 0)); do
    case "$1" in
      -f | --follow) follow=1 ;;
      -n)
        lines="${2:?-n needs a number}"
        shift
        ;;
      *) die "logs: unknown option '$1' (use -f, -n LINES)" ;;
    esac
    shift
  done
  [[ -f "$LOG_FILE" ]] || die "no log yet ($LOG_FILE)"
  if ((follow)); then
    exec tail -n "$lines" -f "$LOG_FILE"
  fi
  tail -n "$lines" "$LOG_FILE"
}

cmd_topics() {
  require_node
  broker_answers || die "no broker answers on $BOOTSTRAP"
  ensure_topics_and_acls
}

# Prints the exports that log a shell's clients in as one principal of the secured broker; the
# password is read from its file when they run, so it never appears in the output.
cmd_env() {
  local principal="${1:-}"
  ((SECURED)) || die "env: only for the secured broker (add --secured)"
  [[ -n "$principal" && -s "$(password_file "$principal")" ]] ||
    die "env: name a principal with a password in $CREDENTIALS_DIR (${SERVICE_PRINCIPALS[*]} $ADMIN_PRINCIPAL)"
  printf 'export KAFKA_BROKERS=%s\n' "$BOOTSTRAP"
  printf 'export KAFKA_SASL_MECHANISM=scram-sha-512\n'
  printf 'export KAFKA_SASL_USERNAME=%s\n' "$principal"
  printf 'export KAFKA_SASL_PASSWORD="$(cat %q)"\n' "$(password_file "$principal")"
  printf 'export KAFKA_GROUP_PREFIX=%s\n' "$GROUP_PREFIX"
}

usage() {
  sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  # The 3-node cluster (npm run chaos) has its own launcher beside this one.
  [[ "${1:-}" == "cluster" ]] && shift && exec bash "$SCRIPT_DIR/kafka-cluster.sh" "$@"
  local cmd="${1:-}" args=() arg
  [[ $# -gt 0 ]] && shift
  for arg in "$@"; do [[ "$arg" != "--secured" ]] && args+=("$arg"); done
  set -- ${args[@]+"${args[@]}"}
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart)
      cmd_stop
      exec 9>&- # release the lock before start takes it again
      cmd_start
      ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    topics) cmd_topics ;;
    env) cmd_env "$@" ;;
    fetch)
      require_java
      ensure_jars
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
