import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PolicyError } from '../../env/errors.js';
import type { Tf } from '../tf-backend.js';
import type { LayersModel } from './networks.js';
import { POLICY_METADATA_FILE, type PolicyMetadata } from './policy-metadata.js';
import { issuePath, parse } from '../../env/parse.js';

/**
 * Saving and loading tfjs models as `model.json` + `weights.bin` with node:fs. Pure tfjs has
 * no file:// handler (only tfjs-node does), so this is the IOHandler, in the same layout
 * tfjs-node writes, so either can read the other's files.
 */

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const WeightSpecSchema = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
});

const ModelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()), weights: z.array(WeightSpecSchema) })).min(1),
});

/** Write `model` into `dir` (created if needed) as model.json + weights.bin. */
export async function saveModel(tf: Tf, model: LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      await writeFile(join(dir, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Read a model saved by `saveModel` (or tfjs-node); PolicyError if files are missing or corrupt. */
export async function loadModel(tf: Tf, dir: string): Promise<LayersModel> {
  const modelPath = join(dir, MODEL_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(modelPath, 'utf8'));
  } catch (err) {
    throw new PolicyError(`expected a tfjs ${MODEL_FILE} in ${dir}, got ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `unreadable JSON (${(err as Error).message})`}`, {
      hint: 'the policy directory is incomplete or corrupt: use another checkpoint or retrain',
      cause: err,
    });
  }
  const model = parse(ModelJsonSchema, json, (issue) =>
    new PolicyError(`${modelPath}: expected a tfjs layers model, got ${issuePath(issue)}: ${issue.message}`, {
      hint: 'the policy directory is corrupt: use another checkpoint or retrain',
    }),
  );
  const manifest = model.weightsManifest;
  const specs = manifest.flatMap((g) => g.weights);
  const buffers: Uint8Array[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      try {
        buffers.push(await readFile(join(dir, p)));
      } catch (err) {
        throw new PolicyError(`expected weights file ${join(dir, p)}, got ${(err as NodeJS.ErrnoException).code ?? 'an error'}`, {
          hint: 'the policy directory is incomplete: use another checkpoint or retrain',
          cause: err,
        });
      }
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (BYTES_PER[s.dtype] ?? 4), 0);
  if (total !== expected) {
    throw new PolicyError(`${dir}: expected ${expected} bytes of weights for ${specs.length} tensors, got ${total}`, {
      hint: 'the weights file is truncated or from another model: use another checkpoint or retrain',
    });
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  checkFiniteWeights(dir, specs, weightData);
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: model.modelTopology as object,
        weightSpecs: specs as never,
        weightData: weightData.buffer,
        format: model.format,
      }),
    );
  } catch (err) {
    throw new PolicyError(`${modelPath}: tfjs could not build the model (${(err as Error).message.split('\n')[0]})`, {
      hint: 'the model topology is corrupt: use another checkpoint or retrain',
      cause: err,
    });
  }
}

/**
 * Refuse float weights that are NaN or infinite: such a network still "acts" (argmax over NaN
 * is the first action), so a corrupt or diverged policy would evaluate as a normal one.
 */
function checkFiniteWeights(dir: string, specs: ReadonlyArray<{ name?: string; shape: number[]; dtype: string }>, data: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = BYTES_PER[spec.dtype] ?? 4;
    if (spec.dtype === 'float32') {
      for (let i = 0; i < n; i++) {
        const v = view.getFloat32(offset + i * 4, true);
        if (!Number.isFinite(v)) {
          throw new PolicyError(`${dir}: expected finite weights, got ${v} in tensor ${spec.name ?? '?'} (element ${i} of ${n})`, {
            hint: 'the policy diverged or the weights file is corrupt: use an earlier checkpoint or retrain',
          });
        }
      }
    }
    offset += n * bytes;
  }
}

/** Extra models saved beside the acting network (e.g. PPO's critic), each in its own subdirectory. */
export interface PolicyDirContents {
  model: LayersModel;
  metadata: PolicyMetadata;
  extras?: Record<string, LayersModel>;
}

/**
 * Write a complete policy directory atomically: everything goes to a sibling temp directory
 * first, then replaces `dir`, so a crash mid-save never leaves a half-written policy behind.
 */
export async function writePolicyDir(tf: Tf, dir: string, contents: PolicyDirContents): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await saveModel(tf, contents.model, tmp);
  for (const [name, m] of Object.entries(contents.extras ?? {})) await saveModel(tf, m, join(tmp, name));
  await writeFile(join(tmp, POLICY_METADATA_FILE), `${JSON.stringify(contents.metadata, null, 2)}\n`);
  const old = `${dir}.old-${process.pid}`;
  let hadOld = false;
  try {
    await rename(dir, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await rename(tmp, dir);
  if (hadOld) await rm(old, { recursive: true, force: true });
}
