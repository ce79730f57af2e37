#!/usr/bin/env bash
# The CLI on its own: build it and show its decisions for the committed demo tokens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --quiet --release --features cli
bin=target/release/mcp-edge-auth
demo=examples/demo

echo "== The RFC 9728 document VetAssist publishes"
"$bin" metadata --config "$demo/config.json"

show() { # label, expected exit status, args...
  local label=$1 want=$2; shift 2
  echo
  echo "== $label"
  set +e
  "$bin" verify --config "$demo/config.json" --jwks "$demo/jwks.json" "$@"
  local got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "demo: expected exit status $want, got $got" >&2
    exit 1
  fi
}

show "No token: 401 and where to find the authorization server" 1 ""
show "A vet staff member calls update_pet_profile: accepted" 0 --body "$demo/update_pet_profile.json" - < "$demo/vet-staff.token"
show "Bob (pet owner, read only) calls update_pet_profile: 403 insufficient_scope" 1 --body "$demo/update_pet_profile.json" - < "$demo/bob.token"
show "Bob's token in the year 2101: expired" 1 --now 4133980800 - < "$demo/bob.token"
