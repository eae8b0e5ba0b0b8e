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
WRITER_PRIVILEGES='["create_index", "write", "read", "view_index_metadata", "maintenance", "indices:admin/aliases*"]'
KIBANA_APPLICATION='"applications": [{"application": "kibana-.kibana", "resources": ["space:default"], "privileges": ["feature_savedObjectsManagement.all", "feature_indexPatterns.all", "feature_discover.all", "feature_dashboard.all", "feature_visualize.all"]}]'

log() { printf 'setup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

require() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || die "$name is not set; define it in .env (see .env.example)"
    case "$value" in
      change-me*) die "$name still holds the placeholder of .env.example; set a real secret in .env" ;;
    esac
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
  python -c 'import json, os, sys; print(json.dumps({"password": os.environ[sys.argv[1]], "roles": [sys.argv[2]], "full_name": sys.argv[3]}))' "$@"
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
  require ELASTIC_PASSWORD KIBANA_SYSTEM_PASSWORD ES_PASSWORD RASAD_KIBANA_PASSWORD
  host=$(printf '%s' "$ES_URL" | sed -E 's#^[a-z]+://([^:/]+).*#\1#')
  NETRC=$(mktemp)
  trap 'rm -f "$NETRC"' EXIT
  chmod 600 "$NETRC"
  printf 'machine %s login elastic password %s\n' "$host" "$ELASTIC_PASSWORD" >"$NETRC"

  wait_for Elasticsearch "$ES_URL/_cluster/health" '"status":"(green|yellow)"' --netrc-file "$NETRC"

  log "setting the kibana_system password"
  password_body KIBANA_SYSTEM_PASSWORD | es POST /_security/user/kibana_system/_password

  # Least privilege for the crawler on its own indices: create them, write and read documents, read
  # their mappings, refresh them (maintenance), and move aliases for the reindex-and-flip upgrade of
  # `rasad init`. No index deletion, no settings change; cluster: health and its own templates.
  log "creating role rasad_writer on $PREFIX-* and user rasad"
  printf '{"cluster": ["monitor", "manage_index_templates"], "indices": [{"names": ["%s-*"], "privileges": %s}]}\n' \
    "$PREFIX" "$WRITER_PRIVILEGES" | es PUT /_security/role/rasad_writer
  user_body ES_PASSWORD rasad_writer "Rasad crawler" | es PUT /_security/user/rasad

  # The Kibana import needs saved objects and data views in Kibana, and the field list of the indices.
  log "creating role rasad_kibana_import and user rasad_kibana"
  printf '{"indices": [{"names": ["%s-*"], "privileges": ["read", "view_index_metadata"]}], %s}\n' \
    "$PREFIX" "$KIBANA_APPLICATION" | es PUT /_security/role/rasad_kibana_import
  user_body RASAD_KIBANA_PASSWORD rasad_kibana_import "Rasad Kibana import" | es PUT /_security/user/rasad_kibana

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
