#!/usr/bin/env bash
# Checks that the learning tests catch broken updates: applies each deliberate break to a
# scratch copy of the committed tree (git archive HEAD; the worktree is never touched), runs
# test/agents/learned/learning.test.ts there, and prints which tests failed. Every break must
# fail at least one test; the control must pass. Usage: bash scripts/check-learning-tests.sh
set -u
SRC=$(git rev-parse --show-toplevel)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/simenv-breaks.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0
run() {
  local name=$1 file=$2 from=$3 to=$4 dir="$WORK/tree"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$SRC" && git archive HEAD | tar -x -C "$dir")
  ln -s "$SRC/node_modules" "$dir/node_modules"
  if ! python3 - "$dir/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"expected the text to break once in {path}, got {text.count(old)} matches: {old}")
open(path, 'w').write(text.replace(old, new))
PY
  then status=1; return; fi
  local out
  out=$(cd "$dir" && npx vitest run test/agents/learned/learning.test.ts 2>&1)
  local failed
  failed=$(echo "$out" | grep -cE '^ +× ')
  echo "== $name: $(echo "$out" | grep -E '^ +Tests ' | sed 's/^ *//')"
  echo "$out" | grep -E '^ +× ' | sed 's/^ */    failed: /'
  if [[ "$name" == control* ]]; then [[ $failed -eq 0 ]] || status=1; else [[ $failed -gt 0 ]] || status=1; fi
}
run "control (no break)" src/agents/learned/ppo.ts "const ACTOR = 0;" "const ACTOR = 0;"
run "PPO policy-loss sign flip" src/agents/learned/ppo-loss.ts "const g = (dpgDr * r) / M;" "const g = -(dpgDr * r) / M;"
run "DQN target network never copied" src/agents/learned/dqn.ts "this.targetTheta.set(this.flat.theta);" "this.targetTheta.set(this.targetTheta);"
run "DQN target copied the wrong way (online <- target)" src/agents/learned/dqn.ts "this.targetTheta.set(this.flat.theta);" "this.flat.theta.set(this.targetTheta);"
run "DQN TD target without bootstrap" src/agents/learned/dqn.ts "const target = b.rewards[i]! + cfg.gamma * nextValue * (1 - b.dones[i]!);" "const target = b.rewards[i]!;"
run "GAE off-by-one (next value = this step's value)" src/agents/learned/ppo.ts "const nextValue = t === T - 1 ? g.nextValues[i]! : g.values[idx + N]!;" "const nextValue = t === T - 1 ? g.nextValues[i]! : g.values[idx]!;"
run "GAE off-by-one (done flag of this step)" src/agents/learned/ppo.ts "1 - g.dones[idx + N]!" "1 - g.dones[idx]!"
exit $status
