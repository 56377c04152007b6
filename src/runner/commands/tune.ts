import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../env/errors.js';
import { formatHpaManifest, parseHpaManifest } from '../../agents/hpa/hpa-manifest.js';
import type { MeanCi } from '../eval-stats.js';
import { writeFileAtomic } from '../run-dir.js';
import { tuneHpa, type TuneHpaResult } from '../tune/tune-hpa.js';
import { intFlag, intListFlag, parseFlags } from './flags.js';

/**
 * `simenv tune hpa`: search an HPA's target and behavior on a scenario's training split, write
 * the winner as an autoscaling/v2 manifest (`--hpa FILE` reads it back), and compare it with
 * the default HPA on the held-out splits (tune/tune-hpa.ts; docs/agents.md, "Tuning the HPA").
 */

const TuneHpaFlagsSchema = z.strictObject({
  scenario: z.string({ error: 'expected a scenario (--scenario NAME|FILE)' }).min(1),
  budget: intFlag(1, 10_000).default(200),
  seed: intFlag(0, 0x7fffffff).default(0),
  episodes: intFlag(1, 100_000).default(64),
  firstEpisodes: intFlag(1, 100_000).default(8),
  finalists: intFlag(1, 1000).default(5),
  heldoutSeeds: intListFlag().default(Array.from({ length: 20 }, (_, i) => i + 1)),
  out: z.string().min(1, 'expected a file name such as hpa.yaml').optional(),
  overwrite: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

function num(x: number | null, d = 3): string {
  return x === null ? '-' : x.toFixed(d);
}
function signed(x: number | null): string {
  return x === null ? '-' : `${x > 0 ? '+' : ''}${x.toFixed(3)}`;
}
function ci(m: MeanCi, show: (x: number | null) => string = num): string {
  return `${show(m.mean)} [${show(m.lo)}, ${show(m.hi)}]`;
}

/** `1..20` for a run of consecutive seeds, else `1,3,7`: what `--seeds` takes. */
function seedsText(xs: readonly number[]): string {
  const run = xs.length > 2 && xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1);
  return run ? `${xs[0]}..${xs[xs.length - 1]}` : xs.join(',');
}

/** The human-readable report (stdout). */
export function tuneReportLines(r: TuneHpaResult, out: string): string[] {
  const lines: string[] = [];
  const s = r.search;
  lines.push(`tuned the HPA of ${r.deployment} on ${r.scenario}'s train split: ${s.budget} candidates, successive halving (eta ${s.eta}, ${s.firstEpisodes} to ${s.maxEpisodes} episodes), seed ${s.seed}, ${r.wallS.toFixed(1)} s`);
  lines.push(`finalists on the train split (${s.maxEpisodes} episodes each, mean episode reward [95% CI], components slo/cost/churn):`);
  r.finalists.forEach((f, i) => {
    const c = f.components;
    lines.push(`  ${i === 0 ? 'best' : `#${i + 1}  `} ${ci(f.reward)}  slo ${num(c.slo)} cost ${num(c.cost)} churn ${num(c.churn)}  ${f.description}`);
  });
  if (!r.finalists.some((f) => f.candidate === 0)) {
    const d = r.defaultOnTrain;
    lines.push(`  default ${ci(d.reward)}  slo ${num(d.components.slo)} cost ${num(d.components.cost)} churn ${num(d.components.churn)}  (knocked out; on the same episodes)`);
  }
  for (const h of r.heldout) {
    const e = h.eval;
    const d = e.difference!;
    lines.push(`held out (${h.split}, seeds ${seedsText(r.heldoutSeeds)}):`);
    for (const a of [e.agent, e.baseline!]) {
      const c = a.components;
      const rate = a.sloViolationRate === null ? '-' : `${(a.sloViolationRate * 100).toFixed(1)}%`;
      lines.push(`  ${a.label.padEnd(10)} ${ci(a.reward)}  slo ${num(c.slo)} cost ${num(c.cost)} churn ${num(c.churn)}  slo-broken ${rate}`);
    }
    lines.push(`  tuned - default: ${ci(d.reward, signed)} paired over ${d.pairs} episodes (wins ${d.wins}, losses ${d.losses}, ties ${d.ties})  slo ${signed(d.components.slo)} cost ${signed(d.components.cost)} churn ${signed(d.components.churn)}`);
  }
  lines.push(`manifest: ${out}`);
  const split = r.heldout[0]?.split ?? 'heldout';
  lines.push(`check it: simenv eval --scenario ${r.scenario} --split ${split} --agent hpa --hpa ${out} --seeds ${seedsText(r.heldoutSeeds)} --baseline hpa`);
  return lines;
}

/** The manifest text of the winner, with its provenance in comments. */
export function tunedManifest(r: TuneHpaResult, argv: readonly string[]): string {
  const best = r.finalists[0]!;
  const [ns, name] = r.deployment.includes('/') ? r.deployment.split('/', 2) : [null, r.deployment];
  const h = r.heldout[0];
  return formatHpaManifest({
    name: name!,
    namespace: ns ?? null,
    options: best.options,
    comment: [
      `Tuned by simenv tune hpa on ${r.scenario}'s train split (${r.search.budget} candidates, successive halving, seed ${r.search.seed}):`,
      `  ${argv.join(' ')}`,
      `train: mean episode reward ${ci(best.reward)} over ${best.reward.n} episodes; default HPA ${ci(r.defaultOnTrain.reward)}`,
      ...(h ? [`${h.split}: ${ci(h.eval.agent.reward)} vs default ${ci(h.eval.baseline!.reward)}, paired difference ${ci(h.eval.difference!.reward, signed)}`] : []),
    ],
  });
}

/** Run `simenv tune hpa`; resolves to the exit code. */
export async function runTuneHpa(raw: Record<string, unknown>, io: { stdout: (t: string) => void; stderr: (t: string) => void; argv: string[] }): Promise<number> {
  const f = parseFlags(TuneHpaFlagsSchema, raw);
  if (f.firstEpisodes > f.episodes) throw new UsageError(`--first-episodes: expected at most --episodes (${f.episodes}), got ${f.firstEpisodes}`);
  const outFile = f.out ?? `hpa-${basename(f.scenario).replace(/\.(json|ya?ml)$/, '')}.yaml`;
  if (existsSync(outFile) && !f.overwrite) {
    throw new UsageError(`--out: expected a new file, got ${outFile}, which exists`, { hint: 'choose another --out, or pass --overwrite' });
  }
  const result = await tuneHpa({
    scenario: f.scenario,
    budget: f.budget,
    seed: f.seed,
    firstEpisodes: f.firstEpisodes,
    maxEpisodes: f.episodes,
    finalists: f.finalists,
    heldoutSeeds: f.heldoutSeeds,
    ...(f.quiet ? {} : { log: (l: string) => io.stderr(`${l}\n`) }),
  });
  const text = tunedManifest(result, ['simenv', ...io.argv]);
  // The manifest must read back as what was evaluated: checked before it is written.
  parseHpaManifest(text, outFile);
  writeFileAtomic(outFile, text);
  if (f.json) io.stdout(`${JSON.stringify({ ...result, manifest: outFile }, null, 2)}\n`);
  else if (!f.quiet) io.stdout(`${tuneReportLines(result, outFile).join('\n')}\n`);
  return 0;
}

/** Register `simenv tune hpa`. */
export function registerTuneCommands(program: Command): void {
  const tune = program.command('tune').description('tune a baseline on a scenario\'s training split (tune hpa)');
  tune
    .command('hpa')
    .description('search the HPA\'s CPU target and behavior on a scenario\'s train split; write the best as an autoscaling/v2 manifest; compare it with the default HPA on the held-out splits')
    .requiredOption('--scenario <name|file>', 'built-in scenario or scenario file (it needs a train split)')
    .option('--budget <n>', 'candidates to try, the default HPA included', '200')
    .option('--seed <n>', 'seed of the candidates and of the training episodes', '0')
    .option('--episodes <n>', 'training episodes of each finalist (the most any candidate gets)', '64')
    .option('--first-episodes <n>', 'training episodes of each candidate in the first rung', '8')
    .option('--finalists <n>', 'candidates in the last rung (the runners-up shown)', '5')
    .option('--heldout-seeds <list>', 'episode seeds of the held-out comparison, as eval --seeds', '1..20')
    .option('--out <file>', 'where to write the best configuration, an autoscaling/v2 HorizontalPodAutoscaler manifest (YAML); default hpa-SCENARIO.yaml')
    .option('--overwrite', 'replace --out if it exists')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'print only errors')
    .addHelpText(
      'after',
      `
The search (docs/agents.md, "Tuning the HPA"): --budget candidates drawn from a seeded
space (CPU target 30..95%, stabilisation windows, Percent/Pods policies and periods,
selectPolicy, both directions), the default HPA among them; successive halving scores all
on --first-episodes training episodes, keeps the better half, doubles the episodes, until
--finalists remain, which get --episodes each. Only the train split is used to choose;
the held-out splits are only reported.

Example:
  simenv tune hpa --scenario compose-post-bursty --seed 1 --out hpa.yaml
  simenv eval --scenario compose-post-bursty --split heldout --agent hpa --hpa hpa.yaml --seeds 1..20 --baseline hpa`,
    )
    .action(async (raw: Record<string, unknown>) => {
      process.exitCode = await runTuneHpa(raw, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), argv: process.argv.slice(2) });
    });
}
