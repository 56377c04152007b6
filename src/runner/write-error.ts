import { SimEnvError } from '../env/errors.js';

/** What an errno means for a file being written, in words. */
const WRITE_ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file-size limit (ulimit -f) or the filesystem',
  EROFS: 'a read-only filesystem',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'a missing directory',
  ENOTDIR: 'a path component that is not a directory',
  ENAMETOOLONG: 'a file name too long',
  EISDIR: 'a directory',
};

/** A failed write of `path` as a one-line SimEnvError naming the path, the cause and the fix. */
export function writeError(path: string, err: unknown): SimEnvError {
  if (err instanceof SimEnvError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  const what = WRITE_ERRNO[code] ?? (err as Error).message;
  return new SimEnvError('WRITE', `cannot write ${path}: ${what} (${code})`, {
    hint: code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'free space (or raise the limit) and run again, or write elsewhere' : 'choose a path you can write',
    cause: err,
  });
}
