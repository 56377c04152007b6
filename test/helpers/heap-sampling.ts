import { Session } from 'node:inspector/promises';

/** A frame of V8's sampling heap profile. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

type ProfileNode = { callFrame: CallFrame; selfSize: number; children: ProfileNode[] };

/** Bytes the heap profiler sampled while a run ran, split by whether a step frame was on the stack. */
export interface SampledBytes {
  /** Sampled bytes allocated under a step frame (and not under an excluded frame below it). */
  step: number;
  /** Sampled bytes allocated elsewhere in the window. */
  other: number;
  /** Where the step bytes were allocated (innermost frames), for a failure message. */
  where: string[];
}

/** Which frames count: a step frame, and frames under a step whose allocations are allowed (a reset inside a step). */
export interface StepFrames {
  isStep(frame: CallFrame): boolean;
  excludedUnderStep?(frame: CallFrame): boolean;
  /**
   * Whether bytes allocated by a frame count (default: every frame under a step), asked of
   * the innermost frame with a script (a builtin such as Array.from is charged to its caller).
   * Picks a layer by the allocating function's own file, which survives inlining: an inlined
   * callee's frame can be missing from a sampled stack, its allocations never are.
   */
  countsSelf?(frame: CallFrame): boolean;
}

/**
 * Run `run` under V8's sampling heap profiler, with the objects young- and old-generation GCs
 * collected kept in (a heap-size delta would miss what a scavenge in the window collected);
 * each sample carries its stack, so bytes allocated under a step frame are told apart.
 */
export async function sampleStepBytes(run: () => void, frames: StepFrames): Promise<SampledBytes> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 32,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    run();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const out: SampledBytes = { step: 0, other: 0, where: [] };
    // under: 0 outside a step, 1 under a step, 2 under an excluded frame under a step.
    const walk = (node: ProfileNode, stack: string[], under: 0 | 1 | 2, owner: CallFrame | null): void => {
      const f = node.callFrame;
      const scripted = f.url !== '' ? f : owner;
      const here = [...stack, `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`];
      let now = under;
      if (now === 1 && frames.excludedUnderStep?.(f)) now = 2;
      else if (now === 0 && frames.isStep(f)) now = 1;
      if (node.selfSize > 0) {
        if (now === 1 && (frames.countsSelf === undefined || (scripted !== null && frames.countsSelf(scripted)))) {
          out.step += node.selfSize;
          out.where.push(`${node.selfSize} B at ${here.slice(-4).join(' < ')}`);
        } else out.other += node.selfSize;
      }
      for (const c of node.children) walk(c, here, now, scripted);
    };
    walk(profile.head as unknown as ProfileNode, [], 0, null);
    return out;
  } finally {
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}

/**
 * The window with the fewest step bytes: sample until one is under `bound` or `budgetMs` has
 * passed (at least one window). Unoptimised code boxes doubles, and under a loaded full suite
 * V8's compiler thread can lag for many windows (or re-specialise a step after another case's
 * envs); an allocation the optimised step itself makes shows in every window, so waiting for
 * a clean one cannot hide it, only the compiler's lag.
 */
export async function leastStepBytes(sample: () => Promise<SampledBytes>, bound: number, budgetMs = 40_000): Promise<SampledBytes> {
  const until = performance.now() + budgetMs;
  let best = await sample();
  while (best.step >= bound && performance.now() < until) {
    const got = await sample();
    if (got.step < best.step) best = got;
  }
  return best;
}
