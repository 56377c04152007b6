/**
 * Turn a byte offset in a msgpack document into a path such as
 * `events[12].applied_objs[3].metadata`, for error messages. The fast reader does not track
 * paths (it would cost every decode); after a failure this walker re-reads the structure
 * headers up to the offset. It never throws: on malformed data it returns the deepest path it
 * reached.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const utf8 = new TextDecoder('utf-8');

class Stop extends Error {}

/** The path of the innermost value that contains byte `offset` (empty string for the root). */
export function pathAtOffset(bytes: Uint8Array, offset: number): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let deepest = '';
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new Stop();
  };
  const uint = (n: 1 | 2 | 4): number => {
    need(n);
    const v = n === 1 ? bytes[pos]! : n === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += n;
    return v;
  };

  /** Read a scalar key for display; containers as keys are walked and shown as JSON-ish. */
  const keyLabel = (): { segment: string } => {
    need(1);
    const b = bytes[pos]!;
    let len = -1;
    if (b >= 0xa0 && b <= 0xbf) {
      pos++;
      len = b & 0x1f;
    } else if (b === 0xd9 || b === 0xda || b === 0xdb) {
      pos++;
      len = uint(b === 0xd9 ? 1 : b === 0xda ? 2 : 4);
    }
    if (len >= 0) {
      need(len);
      const s = utf8.decode(bytes.subarray(pos, pos + len));
      pos += len;
      return { segment: IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]` };
    }
    const start = pos;
    const value = scalarOrTuple();
    return { segment: `[${value ?? `<key at byte ${start}>`}]` };
  };

  /** Decode a small key value (integer or array of strings/integers) as display text. */
  const scalarOrTuple = (): string | undefined => {
    need(1);
    const b = bytes[pos]!;
    if (b < 0x80) {
      pos++;
      return String(b);
    }
    if (b >= 0xe0) {
      pos++;
      return String(b - 0x100);
    }
    if (b === 0xcc || b === 0xcd || b === 0xce) {
      pos++;
      return String(uint(b === 0xcc ? 1 : b === 0xcd ? 2 : 4));
    }
    if (b === 0xcf || b === 0xd3) {
      pos++;
      need(8);
      const v = b === 0xcf ? view.getBigUint64(pos) : view.getBigInt64(pos);
      pos += 8;
      return v.toString();
    }
    if (b >= 0x90 && b <= 0x9f) {
      pos++;
      const n = b & 0x0f;
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        const nb = bytes[pos];
        if (nb !== undefined && ((nb >= 0xa0 && nb <= 0xbf) || nb === 0xd9)) {
          const { segment } = keyLabel();
          parts.push(segment.startsWith('.') ? JSON.stringify(segment.slice(1)) : segment.slice(1, -1));
        } else {
          parts.push(scalarOrTuple() ?? '?');
        }
      }
      return `[${parts.join(',')}]`;
    }
    skip('');
    return undefined;
  };

  /** Walk the value at `pos` whose path is `path`, updating `deepest`. */
  const skip = (path: string): void => {
    if (pos > offset) throw new Stop();
    deepest = path;
    need(1);
    const b = bytes[pos++]!;
    let n = 0;
    let kind: 'map' | 'array' | 'skip' = 'skip';
    let size = 0;
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b < 0x90) {
      kind = 'map';
      n = b & 0x0f;
    } else if (b < 0xa0) {
      kind = 'array';
      n = b & 0x0f;
    } else if (b < 0xc0) {
      size = b & 0x1f;
    } else {
      switch (b) {
        case 0xcc: case 0xd0: size = 1; break;
        case 0xcd: case 0xd1: size = 2; break;
        case 0xca: case 0xce: case 0xd2: size = 4; break;
        case 0xcb: case 0xcf: case 0xd3: size = 8; break;
        case 0xd9: case 0xc4: size = uint(1); break;
        case 0xda: case 0xc5: size = uint(2); break;
        case 0xdb: case 0xc6: size = uint(4); break;
        case 0xdc: kind = 'array'; n = uint(2); break;
        case 0xdd: kind = 'array'; n = uint(4); break;
        case 0xde: kind = 'map'; n = uint(2); break;
        case 0xdf: kind = 'map'; n = uint(4); break;
        default: throw new Stop();
      }
    }
    if (kind === 'skip') {
      need(size);
      pos += size;
      return;
    }
    for (let i = 0; i < n; i++) {
      if (pos > offset) throw new Stop();
      if (kind === 'array') {
        skip(`${path}[${i}]`);
      } else {
        deepest = path;
        const { segment } = keyLabel();
        const child = path === '' && segment.startsWith('.') ? segment.slice(1) : `${path}${segment}`;
        skip(child);
      }
    }
  };

  try {
    skip('');
  } catch {
    // Stop, or anything odd in malformed data: the deepest path reached is the answer.
  }
  return deepest;
}
