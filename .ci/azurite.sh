#!/usr/bin/env bash
# Starts Azurite (Azure Blob emulator) on 127.0.0.1:10000 when nothing answers there, creates the container the
# tests share, and prints the TEST_AZURITE_URL to export. Installs azurite and @azure/storage-blob with npm into
# a cache folder once (object_store cannot create a container; the official SDK does it here).
# Usage: eval "$(bash .ci/azurite.sh)"
set -euo pipefail
CACHE="${SEEG_CI_CACHE:-$HOME/.cache/seeg-ci}/azurite"
DATA="${TMPDIR:-/tmp}/seeg-azurite"
CONTAINER="seeg-tests"
ENDPOINT="http://127.0.0.1:10000/devstoreaccount1"
# The emulator's well-known development account (public, documented by Microsoft; not a secret).
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

log() { echo "$*" >&2; }

if ! command -v node >/dev/null 2>&1; then
  log "installing Node.js"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
fi
if [ ! -x "$CACHE/node_modules/.bin/azurite-blob" ] || [ ! -d "$CACHE/node_modules/@azure/storage-blob" ]; then
  log "installing azurite and @azure/storage-blob into $CACHE"
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm install --silent --no-audit --no-fund azurite@3 @azure/storage-blob@12 >&2)
fi

answering() { (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; }
if ! answering; then
  mkdir -p "$DATA"
  log "starting azurite-blob on 127.0.0.1:10000"
  nohup "$CACHE/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort 10000 --location "$DATA" \
    --loose --skipApiVersionCheck --disableTelemetry >"$DATA/azurite.log" 2>&1 &
  for _ in $(seq 1 60); do answering && break; sleep 0.5; done
  answering || { log "Azurite did not start: $(tail -5 "$DATA/azurite.log")"; exit 1; }
fi

CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=$ENDPOINT;"
(cd "$CACHE" && AZ="$CONNECTION" node -e '
  const { BlobServiceClient } = require("@azure/storage-blob");
  BlobServiceClient.fromConnectionString(process.env.AZ).getContainerClient(process.argv[1]).createIfNotExists()
    .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
' "$CONTAINER") >&2

echo "export TEST_AZURITE_URL='$ENDPOINT'"
echo "export TEST_AZURITE_CONTAINER='$CONTAINER'"
