#!/bin/sh
# One-shot setup of the compose stack, run in the Rasad image (docker-compose.yml).
#
#   setup.sh elasticsearch   set the kibana_system password, create the `rasad` role and user,
#                            then `rasad init` (index templates, versioned indices, aliases)
#   setup.sh kibana          wait for Kibana, then `rasad kibana import`
#
# Idempotent: every step can run again (passwords are reset to the values in .env).
# Passwords never appear on a command line: curl reads them from a private netrc file and
# request bodies are built by Python from the environment and sent on stdin.
set -eu

ES_URL=${ES_URL:-http://elasticsearch:9200}
KIBANA_URL=${KIBANA_URL:-http://kibana:5601}
PREFIX=${RASAD_INDEX_PREFIX:-rasad}
TRIES=${SETUP_TRIES:-60}

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

require() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || die "$name is not set; define it in .env (see .env.example)"
  done
}

# curl with the elastic superuser's credentials from a netrc readable only by us.
es() {
  method=$1 path=$2
  out=$(mktemp)
  code=$(curl -sS --netrc-file "$NETRC" -o "$out" -w '%{http_code}' -X "$method" \
    -H 'Content-Type: application/json' --data-binary @- "$ES_URL$path") || code=000
  if [ "$code" -lt 200 ] || [ "$code" -ge 300 ]; then
    log "$method $ES_URL$path -> HTTP $code: $(cat "$out")"
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

# JSON bodies come from Python so that any character in a password is escaped correctly.
password_body() { python -c 'import json, os, sys; print(json.dumps({"password": os.environ[sys.argv[1]]}))' "$1"; }
user_body() {
  python -c 'import json, os; print(json.dumps({"password": os.environ["ES_PASSWORD"], "roles": ["rasad_writer"], "full_name": "Rasad crawler"}))'
}

# wait_for WHAT URL PATTERN [CURL OPTIONS...]: poll until the answer matches.
wait_for() {
  what=$1 url=$2 pattern=$3
  shift 3
  i=0
  until curl -s "$@" "$url" 2>/dev/null | grep -Eq "$pattern"; do
    i=$((i + 1))
    [ "$i" -lt "$TRIES" ] || die "$what at $url not ready after $TRIES tries"
    sleep 5
  done
  log "$what at $url is ready"
}

setup_elasticsearch() {
  require ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD ES_PASSWORD
  host=$(printf '%s' "$ES_URL" | sed -E 's#^[a-z]+://([^:/]+).*#\1#')
  NETRC=$(mktemp)
  trap 'rm -f "$NETRC"' EXIT
  chmod 600 "$NETRC"
  printf 'machine %s login elastic password %s\n' "$host" "$ELASTIC_PASSWORD" >"$NETRC"

  wait_for Elasticsearch "$ES_URL/_cluster/health" '"status":"(green|yellow)"' --netrc-file "$NETRC"

  log "setting the kibana_system password"
  password_body KIBANA_SYSTEM_PASSWORD | es POST /_security/user/kibana_system/_password

  # Least privilege for the crawler: its own indices and templates, cluster health for `rasad init`.
  log "creating role rasad_writer on $PREFIX-* and user rasad"
  printf '{"cluster": ["monitor", "manage_index_templates"], "indices": [{"names": ["%s-*"], "privileges": ["all"]}]}\n' \
    "$PREFIX" | es PUT /_security/role/rasad_writer
  user_body | es PUT /_security/user/rasad

  log "creating or upgrading the indices (rasad init, as user rasad)"
  rasad init
}

setup_kibana() {
  wait_for Kibana "$KIBANA_URL/api/status" '"level":"available"'
  i=0
  # Kibana can answer `available` a moment before its saved objects service takes writes.
  until rasad kibana import; do
    i=$((i + 1))
    [ "$i" -lt 5 ] || die "rasad kibana import failed 5 times"
    sleep 10
  done
}

case "${1:-}" in
  elasticsearch) setup_elasticsearch ;;
  kibana) setup_kibana ;;
  *) die "usage: setup.sh elasticsearch|kibana" ;;
esac
log "done: ${1}"
