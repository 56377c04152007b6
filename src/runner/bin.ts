#!/usr/bin/env node
import { main } from './cli.js';

// A reader that closes the pipe early (`simenv run | head -1`): the rest of the output has
// nowhere to go, but the run directory does. Writes to the closed stream become no-ops and
// the process gets a SIGPIPE (Node ignores the real one), which a run or a training treats
// like SIGINT: it finishes the step in flight, writes its logs and an `interrupted` summary
// and exits 141. A command with nothing to save (no SIGPIPE listener) exits 141 at once:
// never 0, since its output was cut short.
for (const stream of [process.stdout, process.stderr]) {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (closed) return;
    closed = true;
    stream.write = (() => true) as typeof stream.write;
    if (process.listenerCount('SIGPIPE') > 0) process.kill(process.pid, 'SIGPIPE');
    else process.exit(141);
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
