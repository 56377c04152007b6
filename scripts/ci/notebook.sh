#!/usr/bin/env bash
# CI: run the examples, produce runs with the CLI (static and hpa agents, one-step and
# multi-step), then execute examples/analysis.ipynb against them; any cell error fails.
# Python comes from the machine; pandas & co. from PyPI, pinned in notebook-requirements.txt,
# in a venv cached under ${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/ci
cache=${SIMENV_CACHE_DIR:-$HOME/.cache/simenv}
venv=$cache/venv
python=${PYTHON:-python3}

if ! [ -x "$venv/bin/python" ] || ! cmp -s "$here/notebook-requirements.txt" "$venv/.requirements.txt"; then
  echo "--- creating $venv"
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/notebook-requirements.txt"
  cp "$here/notebook-requirements.txt" "$venv/.requirements.txt"
fi

[ -f dist/runner/bin.js ] || npm run --silent build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=$work/runs
trace=examples/traces/dsb-scaling.sktrace
simenv() { node dist/runner/bin.js "$@"; }

echo "--- runs for the notebook in $runs"
simenv run --trace "$trace" --deploy dsb/nginx-thrift --target 4 --episodes 3 --out "$runs" --run-id static-one-step --quiet
simenv run --trace "$trace" --deploy dsb/nginx-thrift --agent hpa --episodes 3 --out "$runs" --run-id hpa-one-step --quiet
simenv run --trace "$trace" --deploy dsb/nginx-thrift --target 4 --step 15 --episodes 2 --out "$runs" --run-id static-multi-step --quiet
simenv eval --trace "$trace" --deploy dsb/nginx-thrift --agent hpa --step 15 --episodes 1 --seeds 1,2,3 --out "$runs" --run-id hpa-multi-step --quiet
bash "$here/examples.sh" "$runs"
simenv report "$runs"

echo "--- executing examples/analysis.ipynb"
SIMENV_RUNS=$runs "$venv/bin/python" "$here/execute-notebook.py" examples/analysis.ipynb "$work/analysis.executed.ipynb"
# Keep the executed notebook (with its figures) when asked, e.g. to look at it after CI.
if [ -n "${SIMENV_NOTEBOOK_OUT:-}" ]; then cp "$work/analysis.executed.ipynb" "$SIMENV_NOTEBOOK_OUT"; fi
