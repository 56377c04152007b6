#!/usr/bin/env bash
# CI: run the examples, build a small study with the CLI (3 agents x 3 seeds x 2 scenarios as
# evals with a baseline, one-step and multi-step runs, two PPO training runs and a training
# directory of one of them evaluated, an application run of per-deployment HPAs on all 27
# DeathStarBench deployments with call-graph demand), check `simenv report` reads it all with no warning, then
# execute examples/analysis.ipynb against it; any cell error, or a figure taller than 2,100 px,
# fails. Episodes are short (300 s) so this stays quick.
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

echo "--- a study for the notebook in $runs"
simenv run --trace "$trace" --deploy dsb/nginx-thrift --target 4 --episodes 3 --out "$runs/single" --run-id static-one-step --quiet
simenv run --trace "$trace" --deploy dsb/nginx-thrift --agent hpa --episodes 3 --out "$runs/single" --run-id hpa-one-step --quiet
simenv run --trace "$trace" --deploy dsb/nginx-thrift --target 4 --step 15 --episodes 2 --out "$runs/single" --run-id static-multi-step --quiet
for sc in nginx-diurnal text-noisy; do
  ev=(eval --scenario "$sc" --split heldout --seeds 1,2,3 --duration 300 --out "$runs/evals/$sc" --quiet)
  simenv "${ev[@]}" --agent hpa --run-id hpa
  simenv "${ev[@]}" --agent hpa --target 80 --run-id hpa-80 --baseline hpa
  simenv "${ev[@]}" --target 4 --run-id static-4 --baseline hpa
done
for seed in 1 2; do
  simenv train --scenario nginx-diurnal --split train --agent ppo --steps 512 --envs 2 --hyper '{"numSteps":32}' --seed "$seed" --out "$runs/train/ppo-$seed" > /dev/null
done
simenv eval --scenario nginx-diurnal --split heldout --seeds 1,2,3 --duration 300 --policy "$runs/train/ppo-1/policy" --out "$runs/evals/nginx-diurnal" --run-id ppo-1 --quiet
# An application run (per-deployment step columns `<ns/name>.<field>`) for the notebook's per-deployment section.
dsb=compose-post-service,home-timeline-redis,home-timeline-service,jaeger,media-frontend,media-memcached,media-mongodb,media-service,nginx-thrift
dsb+=,post-storage-memcached,post-storage-mongodb,post-storage-service,social-graph-mongodb,social-graph-redis,social-graph-service,text-service
dsb+=,unique-id-service,url-shorten-memcached,url-shorten-mongodb,url-shorten-service,user-memcached,user-mention-service,user-mongodb,user-service
dsb+=,user-timeline-mongodb,user-timeline-redis,user-timeline-service
simenv run --trace "$trace" --ns dsb --deploy "$dsb" --call-graph dsb-social-network --agent hpa --step 15 --episodes 2 --out "$runs/application" --run-id hpa-27 --quiet
# The same run as if killed before its summary: the notebook's per-deployment table falls back to step.jsonl.
cp -r "$runs/application/hpa-27" "$runs/application/hpa-27-killed" && rm "$runs/application/hpa-27-killed/summary.json"
bash "$here/examples.sh" "$runs/examples"
simenv report "$runs" 2> "$work/report.err"
if [ -s "$work/report.err" ]; then echo "simenv report warned on a valid study:"; cat "$work/report.err"; exit 1; fi

echo "--- executing examples/analysis.ipynb"
SIMENV_RUNS=$runs "$venv/bin/python" "$here/execute-notebook.py" examples/analysis.ipynb "$work/analysis.executed.ipynb"
# Keep the executed notebook (with its figures) when asked, e.g. to look at it after CI.
if [ -n "${SIMENV_NOTEBOOK_OUT:-}" ]; then cp "$work/analysis.executed.ipynb" "$SIMENV_NOTEBOOK_OUT"; fi

# Damaged runs (issue 14, defect 14): the notebook must load what `report` survives.
echo "--- the notebook on damaged run directories"
dmg="$work/damaged"
mkdir -p "$dmg"
good="$runs/evals/nginx-diurnal/hpa"
for k in empty garbage truncated-summary no-config torn nul-tail bom; do cp -r "$good" "$dmg/$k"; done
: > "$dmg/empty/step.jsonl"
echo 'garbage{{' > "$dmg/garbage/step.jsonl"
head -c 100 "$good/summary.json" > "$dmg/truncated-summary/summary.json"
rm "$dmg/no-config/config.json"
head -c -50 "$good/step.jsonl" > "$dmg/torn/step.jsonl"
printf '\0\0\0\0' >> "$dmg/nul-tail/step.jsonl"
{ printf '\xef\xbb\xbf'; cat "$good/step.jsonl"; } > "$dmg/bom/step.jsonl.new" && mv "$dmg/bom/step.jsonl.new" "$dmg/bom/step.jsonl"
SIMENV_RUNS=$dmg "$venv/bin/python" "$here/execute-notebook.py" examples/analysis.ipynb "$work/damaged.executed.ipynb"
