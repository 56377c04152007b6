import { LIMITS } from '../limits.js';
/**
 * A msgpack decoder specialised for SimKube traces: one reusable instance, a string cache
 * shared by keys and short values (Kubernetes manifests repeat both heavily), no per-object
 * copies, and the trace-specific rules built in:
 *  - integers beyond +-2^53 come back as `bigint` (everything else as `number`);
 *  - maps whose keys are all strings become plain objects; a map with any other key (tuple or
 *    integer, as in `pod_lifecycles`) becomes a `Map` with the decoded keys;
 *  - bin, ext, NaN/Infinity and invalid UTF-8 are errors: SimKube reads manifests through
 *    serde_json values, which cannot hold them.
 * Errors are `MsgpackReadError`s carrying the byte offset; the codec turns them into
 * TraceFormatErrors with a path.
 */

/** A malformed msgpack byte stream; `offset` is where decoding stopped. */
export class MsgpackReadError extends Error {
  readonly offset: number;

  constructor(offset: number, message: string) {
    super(message);
    this.name = 'MsgpackReadError';
    this.offset = offset;
  }
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Direct-mapped string cache. Slots hold the bytes (for verification) and the JS string, so a
// hit costs one hash pass and one compare pass, with no allocation.
const CACHE_BITS = 12;
const CACHE_SIZE = 1 << CACHE_BITS;
const CACHE_MASK = CACHE_SIZE - 1;
/** Strings up to this many bytes go through the cache. */
const CACHE_MAX_LEN = 40;
/** Longer ASCII strings than this go to TextDecoder, which beats a JS check-then-slice. */
const ASCII_SLICE_MAX_LEN = 64;

/**
 * Distinct map shapes (key sequences) that get a compiled object-literal factory. They pay:
 * `npm run bench -- trace` with MAX_SHAPES = 0 (no factories) measured the raw reader at
 * 1.34x JSON.parse's time and readTrace at 1.36x (decoded trace retaining 75.5 MB), against
 * 0.56x and 0.76x (63.0 MB) with them, same machine, 50 MB synthetic trace (issue 9).
 */
const MAX_SHAPES = 4096;
/** Sightings of a shape before it gets a factory (one-off key sets stay on the plain path). */
const SHAPE_WARMUP = 2;
/** Maps with more keys than this are built key by key. */
const MAX_SHAPE_KEYS = 32;
/** Trie nodes kept across decodes; maps whose key sequence would need more are built key by key. */
const MAX_SHAPE_NODES = 1 << 16;

/** Builds an object from values on the stack: `(stack, base) => ({k0: stack[base], ...})`. */
type ShapeFactory = (stack: unknown[], base: number) => Record<string, unknown>;

/** A node of the shape trie: one per key sequence prefix (its last key and its parent). */
interface ShapeNode {
  key: string;
  parent: ShapeNode | undefined;
  next: Map<string, ShapeNode>;
  /** The child taken last time: manifests repeat key orders, so this usually hits. */
  hotKey: string | undefined;
  hotChild: ShapeNode | undefined;
  seen: number;
  factory: ShapeFactory | undefined;
}

function shapeNode(key: string, parent: ShapeNode | undefined): ShapeNode {
  return { key, parent, next: new Map(), hotKey: undefined, hotChild: undefined, seen: 0, factory: undefined };
}

/** The key sequence that leads to `node`. */
function keysOf(node: ShapeNode): string[] {
  const keys: string[] = [];
  for (let n: ShapeNode | undefined = node; n?.parent !== undefined; n = n.parent) keys.push(n.key);
  return keys.reverse();
}

/** Depth at which nesting is refused (a manifest is ~15 deep; a hostile file could be 1e6). */
const MAX_DEPTH = LIMITS.traceDepth;

const TYPE_NAMES: Record<number, string> = {
  0xc1: 'the never-used byte 0xc1',
  0xc4: 'bin 8',
  0xc5: 'bin 16',
  0xc6: 'bin 32',
  0xc7: 'ext 8',
  0xc8: 'ext 16',
  0xc9: 'ext 32',
  0xd4: 'fixext 1',
  0xd5: 'fixext 2',
  0xd6: 'fixext 4',
  0xd7: 'fixext 8',
  0xd8: 'fixext 16',
};

/** Describe the msgpack type that starts with byte `b` (for error messages). */
export function describeMsgpackByte(b: number): string {
  if (b <= 0x7f) return `an integer (${b})`;
  if (b <= 0x8f || b === 0xde || b === 0xdf) return 'a map';
  if (b <= 0x9f || b === 0xdc || b === 0xdd) return 'an array';
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return 'a string';
  if (b === 0xc0) return 'nil';
  if (b === 0xc2 || b === 0xc3) return 'a boolean';
  if (b === 0xca || b === 0xcb) return 'a float';
  if ((b >= 0xcc && b <= 0xd3) || b >= 0xe0) return 'an integer';
  return TYPE_NAMES[b] ?? `byte 0x${b.toString(16)}`;
}

/** Compile `(stack, base) => ({"k0": stack[base], ...})` for one key sequence. */
function compileShape(keys: readonly string[]): ShapeFactory {
  // Keys are JSON-quoted, so no key can break out of its property name; a key repeated in the
  // map keeps its last value, as assignment would.
  const props = keys.map((k, i) => `${JSON.stringify(k)}: s[b + ${i}]`).join(', ');
  return new Function('s', 'b', `return { ${props} };`) as ShapeFactory;
}

/** Reusable decoder; not re-entrant (decode is synchronous, so sharing one is safe). */
export class MsgpackReader {
  private bytes: Uint8Array = EMPTY;
  private view: DataView = new DataView(EMPTY.buffer);
  private pos = 0;
  private end = 0;
  private depth = 0;
  /** Maps decoded as `Map` (non-string keys) during the last decode. */
  nonStringKeyMaps = 0;

  private readonly cacheStrings: Array<string | undefined> = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
  private readonly cacheLengths = new Int32Array(CACHE_SIZE).fill(-1);
  private readonly cacheBytes = new Uint8Array(CACHE_SIZE * CACHE_MAX_LEN);
  // Objects built from an object literal get exactly their properties in-object, as JSON.parse
  // makes them; adding keys one by one outgrows the initial slots and reallocates, which made
  // the garbage collector the largest cost of decoding. Values wait on a stack until the map's
  // keys are known, then a factory compiled once per key sequence builds the object.
  private readonly shapes = shapeNode('', undefined);
  private shapeCount = 0;
  private nodeCount = 0;
  private stack: unknown[] = new Array<unknown>(1024).fill(undefined);
  private sp = 0;
  /** The input viewed as a Buffer, for Node's native latin1 slicing of ASCII strings. */
  private buffer: Buffer = Buffer.alloc(0);

  /** Decode one value that must span all of `bytes`. */
  decode(bytes: Uint8Array): unknown {
    this.bytes = bytes;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.sp = 0;
    this.pos = 0;
    this.end = bytes.length;
    this.depth = 0;
    this.nonStringKeyMaps = 0;
    try {
      if (this.end === 0) throw new MsgpackReadError(0, 'expected msgpack data, got 0 bytes');
      const value = this.value();
      if (this.pos !== this.end) {
        throw new MsgpackReadError(
          this.pos,
          `expected the data to end after the top-level value at byte ${this.pos}, got ${this.end - this.pos} more bytes`,
        );
      }
      return value;
    } finally {
      // Do not pin a large input buffer, nor the values it held, between decodes.
      this.bytes = EMPTY;
      this.buffer = Buffer.alloc(0);
      this.view = new DataView(EMPTY.buffer);
      this.stack.fill(undefined);
      this.sp = 0;
    }
  }

  private truncated(need: number): never {
    throw new MsgpackReadError(
      this.pos,
      `truncated msgpack: expected ${need} more byte${need === 1 ? '' : 's'} after byte ${this.end} for the value at byte ${this.pos}: the data is cut short`,
    );
  }

  private value(): unknown {
    const pos = this.pos;
    if (pos >= this.end) this.truncated(1);
    const b = this.bytes[pos]!;
    this.pos = pos + 1;
    if (b < 0x80) return b;
    if (b < 0x90) return this.map(b & 0x0f);
    if (b < 0xa0) return this.array(b & 0x0f);
    if (b < 0xc0) return this.str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xca: {
        this.need(4);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return this.finite(v, pos);
      }
      case 0xcb: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return this.finite(v, pos);
      }
      case 0xcc:
        this.need(1);
        return this.bytes[this.pos++]!;
      case 0xcd: {
        this.need(2);
        const v = this.view.getUint16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xce: {
        this.need(4);
        const v = this.view.getUint32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xcf: {
        this.need(8);
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return v <= 9007199254740991n ? Number(v) : v;
      }
      case 0xd0:
        this.need(1);
        return this.view.getInt8(this.pos++);
      case 0xd1: {
        this.need(2);
        const v = this.view.getInt16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(4);
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3: {
        this.need(8);
        const v = this.view.getBigInt64(this.pos);
        this.pos += 8;
        return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      }
      case 0xd9: {
        this.need(1);
        return this.str(this.bytes[this.pos++]!);
      }
      case 0xda: {
        this.need(2);
        const n = this.view.getUint16(this.pos);
        this.pos += 2;
        return this.str(n);
      }
      case 0xdb: {
        this.need(4);
        const n = this.view.getUint32(this.pos);
        this.pos += 4;
        return this.str(n);
      }
      case 0xdc: {
        this.need(2);
        const n = this.view.getUint16(this.pos);
        this.pos += 2;
        return this.array(n);
      }
      case 0xdd: {
        this.need(4);
        const n = this.view.getUint32(this.pos);
        this.pos += 4;
        return this.array(n);
      }
      case 0xde: {
        this.need(2);
        const n = this.view.getUint16(this.pos);
        this.pos += 2;
        return this.map(n);
      }
      case 0xdf: {
        this.need(4);
        const n = this.view.getUint32(this.pos);
        this.pos += 4;
        return this.map(n);
      }
      default:
        throw new MsgpackReadError(
          pos,
          `expected JSON-like msgpack data (maps, arrays, strings, numbers, booleans, nil), got ${describeMsgpackByte(b)} at byte ${pos}`,
        );
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) this.truncated(this.pos + n - this.end);
  }

  private finite(v: number, at: number): number {
    if (!Number.isFinite(v)) throw new MsgpackReadError(at, `expected a finite number, got ${v} at byte ${at}`);
    return v;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw new MsgpackReadError(this.pos, `expected nesting at most ${MAX_DEPTH} deep, got deeper at byte ${this.pos}`);
    }
  }

  private array(n: number): unknown[] {
    // Every element takes at least one byte: a count beyond the remaining bytes is a lie, and
    // allocating for it first would let a 5-byte file ask for 4 GB.
    if (n > this.end - this.pos) this.truncated(n - (this.end - this.pos));
    this.enter();
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    this.depth--;
    return out;
  }

  private map(n: number): unknown {
    if (n * 2 > this.end - this.pos) this.truncated(n * 2 - (this.end - this.pos));
    if (n === 0) return {};
    if (n > MAX_SHAPE_KEYS) return this.mapByAssignment(n, {}, 0);
    this.enter();
    const base = this.sp;
    if (base + n > this.stack.length) this.growStack(base + n);
    // If a nested map grows the stack, this map keeps using the array it started with: its
    // own slots are read and written only through this reference, so they stay consistent.
    const stack = this.stack;
    let node = this.shapes;
    for (let i = 0; i < n; i++) {
      const kpos = this.pos;
      // Keys are nearly always fixstr: take that path without the generic dispatch.
      const kb = kpos < this.end ? this.bytes[kpos]! : -1;
      let key: unknown;
      if (kb >= 0xa0 && kb <= 0xbf) {
        this.pos = kpos + 1;
        key = this.str(kb & 0x1f);
      } else {
        key = this.value();
      }
      let child: ShapeNode | undefined;
      if (key === node.hotKey) {
        child = node.hotChild;
      } else if (typeof key === 'string' && key !== '__proto__') {
        child = node.next.get(key);
        if (child === undefined && this.nodeCount < MAX_SHAPE_NODES) {
          child = shapeNode(key, node);
          node.next.set(key, child);
          this.nodeCount++;
        }
        if (child !== undefined) {
          node.hotKey = key;
          node.hotChild = child;
        }
      }
      if (child === undefined) {
        // Rare (a non-string key, __proto__, or a full trie): rebuild what was read so far by
        // assignment and continue on that path.
        const obj: Record<string, unknown> = {};
        const keys = keysOf(node);
        for (let j = 0; j < i; j++) obj[keys[j]!] = stack[base + j];
        this.sp = base;
        this.depth--;
        if (typeof key !== 'string') return this.mapWithKeys(obj, i, n, key);
        return this.mapByAssignment(n, obj, i, key);
      }
      node = child;
      // Nested maps use the stack above this map's slots: claim the slot before decoding.
      this.sp = base + i + 1;
      stack[base + i] = this.value();
    }
    this.depth--;
    let factory = node.factory;
    if (factory === undefined && ++node.seen >= SHAPE_WARMUP && this.shapeCount < MAX_SHAPES) {
      factory = node.factory = compileShape(keysOf(node));
      this.shapeCount++;
    }
    let obj: Record<string, unknown>;
    if (factory !== undefined) {
      obj = factory(stack, base);
    } else {
      obj = {};
      const keys = keysOf(node);
      for (let j = 0; j < n; j++) obj[keys[j]!] = stack[base + j];
    }
    this.sp = base;
    return obj;
  }

  private growStack(size: number): void {
    const next = new Array<unknown>(Math.max(size, this.stack.length * 2)).fill(undefined);
    for (let i = 0; i < this.sp; i++) next[i] = this.stack[i];
    this.stack = next;
  }

  /** Build a string-keyed map key by key (entries before `from` are already in `obj`). */
  private mapByAssignment(n: number, obj: Record<string, unknown>, from: number, pendingKey?: string): unknown {
    this.enter();
    for (let i = from; i < n; i++) {
      let key: unknown;
      if (i === from && pendingKey !== undefined) key = pendingKey;
      else key = this.value();
      if (typeof key !== 'string') {
        this.depth--;
        return this.mapWithKeys(obj, i, n, key);
      }
      const v = this.value();
      if (key === '__proto__') {
        // An own property, as JSON.parse makes it; plain assignment would set the prototype.
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = v;
      }
    }
    this.depth--;
    return obj;
  }

  /** Continue a map as a `Map` once a non-string key shows up (entries so far are kept). */
  private mapWithKeys(soFar: Record<string, unknown>, done: number, n: number, firstKey: unknown): Map<unknown, unknown> {
    this.enter();
    this.nonStringKeyMaps++;
    const m = new Map<unknown, unknown>(Object.entries(soFar));
    let key = firstKey;
    for (let i = done; i < n; i++) {
      if (i > done) key = this.value();
      if (key instanceof Map || (key !== null && typeof key === 'object' && !Array.isArray(key))) {
        throw new MsgpackReadError(this.pos, `expected map keys to be strings, integers or arrays, got a map at byte ${this.pos}`);
      }
      m.set(key, this.value());
    }
    this.depth--;
    return m;
  }

  private str(n: number): string {
    const start = this.pos;
    const end = start + n;
    if (end > this.end) this.truncated(end - this.end);
    this.pos = end;
    if (n === 0) return '';
    const bytes = this.bytes;
    if (n <= CACHE_MAX_LEN) {
      // FNV-1a over the bytes; the OR tracks whether all bytes are ASCII.
      let h = 0x811c9dc5;
      let or = 0;
      for (let i = start; i < end; i++) {
        const c = bytes[i]!;
        or |= c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      const slot = (h ^ (h >>> 15) ^ n) & CACHE_MASK;
      if (this.cacheLengths[slot] === n) {
        const base = slot * CACHE_MAX_LEN;
        const cache = this.cacheBytes;
        let i = 0;
        while (i < n && cache[base + i] === bytes[start + i]) i++;
        if (i === n) return this.cacheStrings[slot]!;
      }
      const s = or < 0x80 ? this.ascii(start, n) : this.utf8(start, end);
      this.cacheBytes.set(bytes.subarray(start, end), slot * CACHE_MAX_LEN);
      this.cacheLengths[slot] = n;
      this.cacheStrings[slot] = s;
      return s;
    }
    if (n <= ASCII_SLICE_MAX_LEN) {
      let or = 0;
      for (let i = start; i < end; i++) or |= bytes[i]!;
      if (or < 0x80) return this.ascii(start, n);
    }
    return this.utf8(start, end);
  }

  private ascii(start: number, n: number): string {
    return this.buffer.toString('latin1', start, start + n);
  }

  private utf8(start: number, end: number): string {
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw new MsgpackReadError(start, `expected a UTF-8 string at byte ${start}, got invalid UTF-8 bytes`);
    }
  }
}
