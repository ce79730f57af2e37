#!/usr/bin/env bash
# The main job: the VetAssist demo, locally. Starts
#   - an authorization server (oidc-provider, users bob and dr-alice, login and consent screens) on 127.0.0.1:9000,
#   - the VetAssist MCP server (@modelcontextprotocol/sdk) on 127.0.0.1:3000, the origin,
#   - this gateway in local workerd (`wrangler dev`, local KV) on 127.0.0.1:8787, in front of it,
# prints the URLs, runs a scripted MCP client session through the gateway, checks
# the whole deployment with `mcp-edge-auth doctor`, and keeps everything running until Ctrl-C (or exits after the session with --once,
# or when standard input is not a terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_wasm
npm_install examples/vetassist
# The npm package, for its doctor command (it builds the Worker too, which
# wrangler dev's build command then finds current); both are reused when
# nothing they are made of changed since they were last built.
bash scripts/build-npm.sh > /dev/null

once=0
if [ "${1:-}" = "--once" ] || [ ! -t 0 ]; then once=1; fi

# The origin checks the gateway's signature with a shared secret (wrangler dev reads .dev.vars).
if [ ! -f .dev.vars ]; then
  echo "MCP_AUTH_HMAC_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" > .dev.vars
fi
secret=$(sed -n 's/^MCP_AUTH_HMAC_SECRET=//p' .dev.vars)

for port in 9000 3000 8787; do
  if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port on 127.0.0.1 is in use; stop what runs there first" >&2
    exit 1
  fi
done

logs=target/demo
rm -rf "$logs/state"  # each run starts with an empty local KV
mkdir -p "$logs"
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "demo: stopped the authorization server, the MCP server and the gateway"
}
trap stop INT TERM EXIT

# Each in its own process group, so stopping it also stops what it started (npx → wrangler → workerd).
PORT=9000 setsid node examples/vetassist/authorization-server.mjs > "$logs/authorization-server.log" 2>&1 &
pids+=($!)
PORT=3000 MCP_AUTH_HMAC_SECRET=$secret setsid node examples/vetassist/mcp-server.mjs > "$logs/mcp-server.log" 2>&1 &
pids+=($!)
WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false \
  XDG_CONFIG_HOME="$PWD/target/wrangler-config" \
  setsid examples/vetassist/node_modules/.bin/wrangler dev --ip 127.0.0.1 --port 8787 --persist-to target/demo/state > "$logs/gateway.log" 2>&1 &
pids+=($!)

echo "demo: building and starting the gateway (logs in $logs/)"
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp 2>/dev/null \
     && curl -fsS -o /dev/null http://127.0.0.1:9000/.well-known/openid-configuration 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "${ready:-}" ]; then
  echo "demo: the stack did not come up in 120 s; see $logs/" >&2
  tail -20 "$logs"/*.log >&2
  exit 1
fi

cat <<INFO

VetAssist is running:
  MCP endpoint (point your MCP client here):  http://127.0.0.1:8787/mcp
  Protected resource metadata:                http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp
  Authorization server (login: bob or dr-alice, any password):  http://127.0.0.1:9000
  Origin MCP server (accepts only gateway-signed requests):     http://127.0.0.1:3000/mcp
INFO

GATEWAY_URL=http://127.0.0.1:8787/mcp node examples/vetassist/session.mjs

echo
echo "Checking the deployment as MCP clients see it (npx mcp-edge-auth doctor):"
# (from the example's directory: doctor reads wrangler.toml with the project's own wrangler)
(cd examples/vetassist && node ../../js/dist/cli.js doctor http://127.0.0.1:8787/mcp --config ../../wrangler.toml)

if [ "$once" = 1 ]; then exit 0; fi
echo
echo "Press Ctrl-C to stop all three."
while true; do sleep 3600; done
