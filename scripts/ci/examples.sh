#!/usr/bin/env bash
# Runs the examples the way a user does after `npm ci` (which builds dist/): `simenv` resolves
# to the built package. Usage: scripts/ci/examples.sh [OUT_DIR]  (run directories go there).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)}
[ -f dist/index.js ] || npm run --silent build

echo "--- examples/one-step.ts"
one=$(npx --no-install tsx examples/one-step.ts 4)
echo "$one"
grep -Eq '^reward: -?[0-9]+\.[0-9]{4} ' <<<"$one" || { echo "one-step.ts printed no reward"; exit 1; }

echo "--- examples/multi-step.ts"
multi=$(npx --no-install tsx examples/multi-step.ts "$out")
echo "$multi"
grep -q '^mean episode reward: ' <<<"$multi" || { echo "multi-step.ts printed no mean reward"; exit 1; }
ls "$out"/*-proportional-*/summary.json > /dev/null
