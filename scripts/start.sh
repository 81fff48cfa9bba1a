#!/usr/bin/env bash
# Brings the whole system up on this machine, with no Docker: installs what is missing, starts
# PostgreSQL and the local Kafka broker, builds, migrates, starts the four services in the
# background and prints their URLs. Idempotent: what already runs is left running.
#
# INSTANCES=N (1-9, default 1): N instances of every service, in the same consumer groups; instance i
# listens on the service's port + 100*(i-1) (3001-3004, 3101-3104, ...), its pid and log are
# .cache/run/<service>-<i>.pid|log (instance 1's also under the old names <service>.pid|log).
# KAFKA_CLUSTER=1: the local 3-broker cluster (kafka.sh cluster start) instead of the single broker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run_dir="$root/.cache/run"
mkdir -p "$run_dir"

say() { printf 'start: %s\n' "$*"; }
# KAFKA_SECURED=1 (as for deploy/local/kafka.sh): the secured local broker instead of the plain one.
secured() { case "${KAFKA_SECURED:-}" in 1 | true | yes) return 0 ;; *) return 1 ;; esac; }
cluster() { case "${KAFKA_CLUSTER:-}" in 1 | true | yes) return 0 ;; *) return 1 ;; esac; }
instances="${INSTANCES:-1}"
[[ "$instances" =~ ^[1-9]$ ]] || { say "INSTANCES must be a whole number from 1 to 9 (got '$instances')"; exit 64; }
if cluster && secured; then say "KAFKA_CLUSTER=1 and KAFKA_SECURED=1 do not go together (the cluster is plain)"; exit 64; fi

# A node_modules that is a symlink (a git worktree sharing another checkout's install) is never
# reinstalled from here: npm ci empties the directory it points to before it notices the link.
if [ -L node_modules ]; then
  [ -d node_modules/ ] || { say "node_modules links to $(readlink node_modules), which is missing: run npm ci there"; exit 1; }
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi
source scripts/node-runtime.sh
say "node $(node --version)"

if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  fi
fi

if [ -z "${KAFKA_BROKERS:-}" ]; then
  if cluster; then
    bash deploy/local/kafka.sh cluster start
    KAFKA_BROKERS="$(bash deploy/local/kafka.sh cluster bootstrap)"
    export KAFKA_BROKERS
  else
    bash deploy/local/kafka.sh start
  fi
fi

if [ -z "${JWT_SECRET:-}" ] && [ -z "${JWT_PUBLIC_KEY:-}" ] && [ -z "${JWT_JWKS_URL:-}" ]; then
  secret_file="$root/.cache/local-jwt-secret"
  [ -s "$secret_file" ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))" > "$secret_file"
  chmod 600 "$secret_file"
  JWT_SECRET="$(cat "$secret_file")"
  export JWT_SECRET
  say "using the local HS256 secret in .cache/local-jwt-secret (npm run token prints a token)"
fi

if [ -z "${AUDIT_SIGNING_KEY:-}" ] && [ -z "${AUDIT_SIGNING_KEY_FILE:-}" ]; then
  AUDIT_SIGNING_KEY_FILE="$root/.cache/audit-signing-key.pem"
  [ -s "$AUDIT_SIGNING_KEY_FILE" ] || (umask 077 && node -e "process.stdout.write(require('crypto').generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))" > "$AUDIT_SIGNING_KEY_FILE")
  export AUDIT_SIGNING_KEY_FILE
  say "the audit signs its checkpoints with the local Ed25519 key in .cache/audit-signing-key.pem (outside the database)"
fi

# S-03: Auditor and PlatformAdmin count only in tokens of an operator tenant. A local run gets its
# own, generated once (npm run token and npm run demo use it); set OPERATOR_TENANT_IDS to choose.
if [ -z "${OPERATOR_TENANT_IDS:-}" ]; then
  operator_file="$root/.cache/local-operator-tenant-id"
  [ -s "$operator_file" ] || node -e "process.stdout.write(require('crypto').randomUUID())" > "$operator_file"
  OPERATOR_TENANT_IDS="$(cat "$operator_file")"
  export OPERATOR_TENANT_IDS
  say "operator tenant $OPERATOR_TENANT_IDS (.cache/local-operator-tenant-id): npm run token -- --roles PlatformAdmin"
fi

# The local OpenID Connect provider (docs/console-sign-in.md): the console signs people in there and
# the services trust its key set beside the local HS256 secret (npm run token keeps working). Its users,
# their passwords and the console's client secret are generated once into .cache/oidc/local-users.json.
# LOCAL_OIDC=0 leaves it out; so does an identity provider of your own (JWT_PUBLIC_KEY or JWT_JWKS_URL).
oidc_port="${OIDC_PROVIDER_PORT:-3010}"
oidc_issuer="${OIDC_ISSUER:-http://127.0.0.1:$oidc_port}"
local_oidc=false
if [ "${LOCAL_OIDC:-1}" != 0 ] && [ -z "${JWT_PUBLIC_KEY:-}" ] && [ -z "${JWT_JWKS_URL:-}" ]; then
  local_oidc=true
  JWT_AUDIENCE="${JWT_AUDIENCE:-api://acceptance-gate}"
  export JWT_AUDIENCE
  oidc_pid_file="$run_dir/oidc-provider.pid"
  oidc_log_file="$run_dir/oidc-provider.log"
  if [ -f "$oidc_pid_file" ] && kill -0 "$(cat "$oidc_pid_file")" 2>/dev/null; then
    say "oidc-provider already running (pid $(cat "$oidc_pid_file"))"
  else
    (export OIDC_PROVIDER_PORT="$oidc_port" OIDC_ISSUER="$oidc_issuer" && exec nohup node scripts/oidc/provider.mjs) >"$oidc_log_file" 2>&1 &
    echo $! >"$oidc_pid_file"
    say "oidc-provider starting (pid $!, port $oidc_port, log ${oidc_log_file#"$root/"})"
  fi
  oidc_deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "$oidc_issuer/.well-known/openid-configuration" 2>/dev/null; do
    if ! kill -0 "$(cat "$oidc_pid_file")" 2>/dev/null || [ "$SECONDS" -ge "$oidc_deadline" ]; then
      say "oidc-provider is not serving $oidc_issuer; the end of its log:"
      tail -n 30 "$oidc_log_file" >&2
      exit 1
    fi
    sleep 0.3
  done
  JWT_JWKS_URL="$oidc_issuer/jwks"
  JWT_ISSUER="$oidc_issuer"
  export JWT_JWKS_URL JWT_ISSUER
  say "the services trust the local OIDC provider $oidc_issuer (audience $JWT_AUDIENCE) beside the HS256 secret"
fi

say "building"
npm run --silent build
say "migrating"
node dist/scripts/migrate.js

declare -A ports=(
  [attestation]="${ATTESTATION_PORT:-3001}"
  [reseller-relationship]="${RESELLER_RELATIONSHIP_PORT:-3002}"
  [order-gate]="${ORDER_GATE_PORT:-3003}"
  [audit]="${AUDIT_PORT:-3004}"
)
declare -A port_variables=(
  [attestation]=ATTESTATION_PORT
  [reseller-relationship]=RESELLER_RELATIONSHIP_PORT
  [order-gate]=ORDER_GATE_PORT
  [audit]=AUDIT_PORT
)
port_of() { echo $((ports[$1] + 100 * ($2 - 1))); } # service instance
# Instance 1 keeps the names of a single-instance run (<svc>.pid|log); <svc>-1.pid|log link to them.
run_file() { if [ "$2" = 1 ]; then echo "$run_dir/$1.$3"; else echo "$run_dir/$1-$2.$3"; fi; } # svc i ext
services=(audit order-gate reseller-relationship attestation)
# Node flags per service, the same in deploy/docker/Dockerfile and bench/audit-bench-kit.ts. audit: a
# young generation of 2 x 8 MB instead of V8's 2 x 16 MB. Less memory at rest, and young collections
# run twice as often, each also freeing the Buffers a streamed export leaves behind: a 1,000,000-row
# export peaks at ~145 MB RSS instead of ~167 MB, at no measured cost to export or ingest speed.
# order-gate: the young generation at its full 2 x 16 MB from the start, and a first full collection
# only once the old space reaches 128 MB. The gate allocates ~100 KB per order; starting from V8's
# small heap it ran a 5-17 ms mark-compact every 1-3 s for its first minute under load, each one in
# the latency of every order in flight (measured with npm run bench:gate; see README).
# TimeoutNegativeWarning: kafkajs 2.2.4 (RequestQueue.scheduleCheckPendingRequests) arms a timer for
# `throttledUntil - now` with throttledUntil = -1 when nothing is throttled; every Node version clamps it to 1 ms,
# Node 24 also prints a warning. Harmless (docs/runtime.md), so silenced by name, and only that one.
common_node_flags="--disable-warning=TimeoutNegativeWarning"
declare -A node_flags=([audit]="--max-semi-space-size=8" [order-gate]="--min-semi-space-size=16 --initial-old-space-size=128")

for i in $(seq 1 "$instances"); do
  for svc in "${services[@]}"; do
    pid_file="$(run_file "$svc" "$i" pid)"
    log_file="$(run_file "$svc" "$i" log)"
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      say "$svc#$i already running (pid $(cat "$pid_file"))"
      continue
    fi
    # KAFKA_SECURED=1: the secured local broker, each service logged in as its own principal (S-04).
    login=""
    if [ -z "${KAFKA_BROKERS:-}" ] && secured; then
      login="$(bash deploy/local/kafka.sh env "$svc" --secured)"
    fi
    # shellcheck disable=SC2086 # the flags are words
    (eval "$login" && export "${port_variables[$svc]}=$(port_of "$svc" "$i")" &&
      exec nohup node $common_node_flags ${node_flags[$svc]:-} dist/apps/"$svc"/src/main.js) >"$log_file" 2>&1 &
    echo $! >"$pid_file"
    if [ "$i" = 1 ]; then
      ln -sfn "$svc.pid" "$run_dir/$svc-1.pid"
      ln -sfn "$svc.log" "$run_dir/$svc-1.log"
    fi
    say "$svc#$i starting (pid $!, port $(port_of "$svc" "$i"), log ${log_file#"$root/"})"
  done
done

deadline=$((SECONDS + ${START_TIMEOUT_S:-120}))
for i in $(seq 1 "$instances"); do
  for svc in "${services[@]}"; do
    url="http://127.0.0.1:$(port_of "$svc" "$i")/health/ready"
    pid_file="$(run_file "$svc" "$i" pid)"
    log_file="$(run_file "$svc" "$i" log)"
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
      if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        say "$svc#$i exited; the end of its log:"
        tail -n 30 "$log_file" >&2
        exit 1
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        say "$svc#$i is not ready at $url after ${START_TIMEOUT_S:-120}s; the end of its log:"
        tail -n 30 "$log_file" >&2
        exit 1
      fi
      sleep 0.5
    done
  done
done

# console (issue #18): the web console (apps/console) on CONSOLE_PORT (3000), after the services it calls. It signs
# people in at the local provider (client `console`, its secret from the provider's users file), or at an issuer
# of your own: OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET. With neither it is left out.
console_port="${CONSOLE_PORT:-3000}"
console_url="${CONSOLE_PUBLIC_URL:-http://127.0.0.1:$console_port}"
console_started=false
if [ "$local_oidc" = true ] || [ -n "${OIDC_ISSUER_URL:-}" ]; then
  console_issuer="${OIDC_ISSUER_URL:-$oidc_issuer}"
  console_client="${OIDC_CLIENT_ID:-console}"
  console_secret="${OIDC_CLIENT_SECRET:-}"
  if [ -z "${OIDC_ISSUER_URL:-}" ]; then
    console_secret="$(node -p "require('${OIDC_CACHE_DIR:-$root/.cache/oidc}/local-users.json').clientSecret")"
  fi
  session_secret="${CONSOLE_SESSION_SECRET:-}"
  if [ -z "$session_secret" ]; then
    session_file="$root/.cache/console-session-secret"
    [ -s "$session_file" ] || (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))" >"$session_file")
    session_secret="$(cat "$session_file")"
  fi
  console_pid_file="$run_dir/console.pid"
  console_log_file="$run_dir/console.log"
  if [ -f "$console_pid_file" ] && kill -0 "$(cat "$console_pid_file")" 2>/dev/null; then
    say "console already running (pid $(cat "$console_pid_file"))"
  else
    (export CONSOLE_PORT="$console_port" CONSOLE_PUBLIC_URL="$console_url" OIDC_ISSUER_URL="$console_issuer" \
      OIDC_CLIENT_ID="$console_client" OIDC_CLIENT_SECRET="$console_secret" CONSOLE_SESSION_SECRET="$session_secret" \
      ATTESTATION_URL="http://127.0.0.1:$(port_of attestation 1)" \
      RESELLER_RELATIONSHIP_URL="http://127.0.0.1:$(port_of reseller-relationship 1)" \
      ORDER_GATE_URL="http://127.0.0.1:$(port_of order-gate 1)" AUDIT_URL="http://127.0.0.1:$(port_of audit 1)" &&
      exec nohup node dist/apps/console/src/main.js) >"$console_log_file" 2>&1 &
    echo $! >"$console_pid_file"
    say "console starting (pid $!, port $console_port, log ${console_log_file#"$root/"})"
  fi
  console_deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "http://127.0.0.1:$console_port/health/ready" 2>/dev/null; do
    if ! kill -0 "$(cat "$console_pid_file")" 2>/dev/null || [ "$SECONDS" -ge "$console_deadline" ]; then
      say "the console is not ready on port $console_port; the end of its log:"
      tail -n 30 "$console_log_file" >&2
      exit 1
    fi
    sleep 0.5
  done
  console_started=true
fi

# The local sign-in's partners A and B act at once (S-03: only registered partners do); idempotent.
if [ "$local_oidc" = true ]; then
  if registered="$(RESELLER_RELATIONSHIP_PORT="$(port_of reseller-relationship 1)" node scripts/oidc/register-partners.mjs 2>&1)"; then
    say "local sign-in partners registered (${registered//$'\n'/; })"
  else
    say "could not register the local sign-in partners: $registered"
  fi
fi

echo
echo "The acceptance gate is up:"
if [ "$console_started" = true ]; then
  printf '  %-24s %s   (sign in with a user of .cache/oidc/local-users.json)\n' "console" "$console_url"
fi
if [ "$local_oidc" = true ]; then
  printf '  %-24s %s   (users: .cache/oidc/local-users.json)\n' "sign-in (OIDC)" "$oidc_issuer"
fi
for svc in attestation reseller-relationship order-gate audit; do
  for i in $(seq 1 "$instances"); do
    name="$svc"
    [ "$instances" = 1 ] || name="$svc#$i"
    printf '  %-24s http://127.0.0.1:%s   (API docs: http://127.0.0.1:%s/docs)\n' "$name" "$(port_of "$svc" "$i")" "$(port_of "$svc" "$i")"
  done
done
if [ -n "${KAFKA_BROKERS:-}" ]; then
  printf '  %-24s %s\n' "kafka" "$KAFKA_BROKERS"
elif secured; then echo "  kafka (secured)          127.0.0.1:9094"; else echo "  kafka                    127.0.0.1:9092"; fi
echo
echo "Try it: npm run demo      Stop everything: npm stop"
