#!/bin/sh
# One-shot seed of the compose stack (the `seed` service): the demo provider (the fake
# provider), its models and the demo key, through gwctl. Safe to run again: what exists is
# kept, model bindings are re-applied.
set -eu
gwctl() { node packages/gwctl/dist/main.js "$@"; }

UPSTREAM="${DEMO_UPSTREAM:-http://fake-provider:9000/v1}"
KEY="${DEMO_KEY:-gw-demo-local-only-0123456789abcdef}"

# Redis may still be starting: gwctl gives up within seconds, so retry for a while.
i=0
until gwctl redis ping >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then gwctl redis ping; exit 1; fi
  sleep 1
done

gwctl provider show demo >/dev/null 2>&1 ||
  gwctl provider add demo --base-url "$UPSTREAM" --api-key sk-demo-upstream-secret \
    --models gpt-4o-mini,gpt-4o,text-embedding-3-small
for m in gpt-4o-mini gpt-4o text-embedding-3-small; do
  gwctl model bind "$m" --provider demo >/dev/null
done
gwctl key show demo >/dev/null 2>&1 || gwctl key add demo --key "$KEY" --rpm 6000 >/dev/null
# The demo stdio MCP server, run by the mcp-bridge service; the demo key may use its tools.
gwctl mcp show demo >/dev/null 2>&1 || gwctl mcp add demo --url "${DEMO_MCP_URL:-http://mcp-bridge:8790/demo/mcp}" >/dev/null
gwctl key edit demo --mcp-tools 'demo__*' >/dev/null

gwctl redis ping
echo "seeded: try  curl -s localhost:8080/v1/chat/completions -H 'authorization: Bearer $KEY' -H 'content-type: application/json' -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
