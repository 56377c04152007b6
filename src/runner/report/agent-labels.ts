import { createHash } from 'node:crypto';
import { differingPaths, flatten } from './json-paths.js';

/**
 * The agent labels people read in `simenv report`: the agent's name and, in brackets, only the
 * settings that tell it apart from the other agents of that name in the same comparison, in a
 * short form: `hpa(target=60%, down-stab=60s)`, `static(4 replicas)`, and for a trained policy
 * the policy directory and its training length, `ppo(ppo-1, 100k steps)`. An agent alone under
 * its name is just the name. When the short forms cannot tell two agents apart (settings past
 * the few shown), a 6-digit hash of their full settings keeps the labels unique.
 */

/** What a label is made from. */
export interface LabelSubject {
  name: string;
  /** The agent's recorded settings (config.json `agent.params`), seeds included or not. */
  params: Record<string, unknown>;
  /** Short names of the policy directories it ran (policyName), for trained agents. */
  policies: readonly string[];
  /** The action space (`absolute 1..20`), when it is part of what is compared. */
  actions?: string;
}

/** Settings shown before the rest are counted (`+2 more`). */
const MAX_SHOWN = 3;

/** Paths never shown: the name repeated, the tfjs build, the policy's training details (the policy name and steps stand for them). */
const HIDDEN = [/^agent$/, /^tfBackend$/, /^training\./, /^head$/];

/** Short names of well-known settings, with how their value is written. Order = display order. */
const SHORT: ReadonlyArray<{ path: RegExp; key: string; value?: (v: string) => string }> = [
  { path: /^targetUtilisation$/, key: 'target', value: (v) => `${v}%` },
  { path: /^target$/, key: '', value: (v) => `${v} replicas` },
  { path: /^replicas$/, key: 'replicas' },
  { path: /^behavior\.scaleDown\.stabilizationWindowSeconds$|^downscaleStabilizationSeconds$/, key: 'down-stab', value: (v) => `${v}s` },
  { path: /^behavior\.scaleUp\.stabilizationWindowSeconds$/, key: 'up-stab', value: (v) => `${v}s` },
  { path: /^behavior\.scaleUp\.policies$/, key: 'up-policies', value: policiesText },
  { path: /^behavior\.scaleDown\.policies$/, key: 'down-policies', value: policiesText },
  { path: /^behavior\.scaleUp\.selectPolicy$/, key: 'up-select' },
  { path: /^behavior\.scaleDown\.selectPolicy$/, key: 'down-select' },
  { path: /^tolerance$/, key: 'tol' },
  { path: /^syncPeriodSeconds$/, key: 'sync', value: (v) => `${v}s` },
  { path: /^actions$/, key: '' },
];

/** `[{type: Pods, value: 4, periodSeconds: 15}]` -> `4 pods/15s`. */
function policiesText(json: string): string {
  try {
    const list = JSON.parse(json) as Array<{ type?: string; value?: number; periodSeconds?: number }>;
    return list.map((p) => `${p.value ?? '?'}${p.type === 'Percent' ? '%' : ' pods'}/${p.periodSeconds ?? '?'}s`).join('|');
  } catch {
    return json;
  }
}

/** `100000` -> `100k`, `2500000` -> `2.5M`, `3000` -> `3k`. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(n);
}

/** The flat settings of a subject as labels compare them: min/max replicas become one `replicas` range. */
function settings(s: LabelSubject): Record<string, string> {
  const flat = flatten(s.params);
  for (const p of Object.keys(flat)) if (HIDDEN.some((re) => re.test(p))) delete flat[p];
  if ('minReplicas' in flat || 'maxReplicas' in flat) {
    flat.replicas = `${flat.minReplicas ?? '?'}..${flat.maxReplicas ?? '?'}`;
    delete flat.minReplicas;
    delete flat.maxReplicas;
  }
  if (s.actions !== undefined) flat.actions = s.actions;
  return flat;
}

/** `key=value` in short form, or null when the subject does not set `path` (unset is the default: nothing to show). */
function shortItem(path: string, value: string | undefined): { order: number; key: string; text: string } | null {
  if (value === undefined) return null;
  const i = SHORT.findIndex((s) => s.path.test(path));
  if (i < 0) {
    const leaf = path.split('.').slice(-2).join('.');
    return { order: SHORT.length, key: leaf, text: `${leaf}=${value.length > 24 ? `${value.slice(0, 21)}...` : value}` };
  }
  const s = SHORT[i]!;
  const v = s.value ? s.value(value) : value;
  return { order: i, key: s.key || path, text: s.key ? `${s.key}=${v}` : v };
}

function trainingSteps(params: Record<string, unknown>): number | null {
  const t = params.training as { totalSteps?: unknown; steps?: unknown } | undefined;
  const n = t?.totalSteps ?? t?.steps;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function policyPart(s: LabelSubject): string[] {
  // Only a trained agent is named by its policy (a baseline run by the same eval command is not).
  if (s.params.training === undefined) return [];
  const steps = trainingSteps(s.params);
  const names = s.policies.length === 0 ? [] : s.policies.length <= 2 ? [...s.policies] : [`${s.policies.length} policies`];
  return [...names, ...(steps !== null ? [`${shortCount(steps)} steps`] : [])];
}

/** One label per subject, in order (see the module comment). */
export function shortAgentLabels(subjects: readonly LabelSubject[]): string[] {
  const flats = subjects.map(settings);
  const byName = new Map<string, number[]>();
  subjects.forEach((s, i) => byName.set(s.name, [...(byName.get(s.name) ?? []), i]));
  const labels: string[] = new Array<string>(subjects.length);
  for (const [name, idx] of byName) {
    const paths = differingPaths(idx.map((i) => flats[i]!));
    for (const i of idx) {
      const items = paths
        .map((p) => shortItem(p, flats[i]![p]))
        .filter((x): x is NonNullable<typeof x> => x !== null)
        .sort((a, b) => a.order - b.order);
      // One entry per short key: behaviour's down-stab wins over the flag's (it is the one in force).
      const seen = new Set<string>();
      const unique = items.filter((it) => (seen.has(it.key) ? false : (seen.add(it.key), true)));
      const shown = unique.slice(0, MAX_SHOWN).map((it) => it.text);
      if (unique.length > MAX_SHOWN) shown.push(`+${unique.length - MAX_SHOWN} more`);
      const parts = [...policyPart(subjects[i]!), ...shown];
      labels[i] = parts.length > 0 ? `${name}(${parts.join(', ')})` : name;
    }
    // Equal labels for different settings: a short hash of the settings tells them apart.
    const count = new Map<string, number>();
    for (const i of idx) count.set(labels[i]!, (count.get(labels[i]!) ?? 0) + 1);
    const distinct = new Map<string, Set<string>>();
    for (const i of idx) distinct.set(labels[i]!, (distinct.get(labels[i]!) ?? new Set()).add(JSON.stringify(flats[i])));
    for (const i of idx) {
      if (count.get(labels[i]!)! > 1 && distinct.get(labels[i]!)!.size > 1) {
        labels[i] = `${labels[i]} #${createHash('sha256').update(JSON.stringify(flats[i])).digest('hex').slice(0, 6)}`;
      }
    }
  }
  return labels;
}
