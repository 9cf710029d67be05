/**
 * Finishing stdout before the process exits. A pipe takes 64 KiB at once; the rest of a write
 * waits in Node's queue, and process.exit() drops it, so `export | gzip` would keep a truncated
 * backup and report success. The CLI waits for the queue to drain, and turns any failure to write
 * (a reader that hung up, a full disk) into a non-zero exit that says so.
 */

export interface OutputWatch {
  /** Resolves once everything written so far reached the OS; the first write failure, if any. */
  finish(): Promise<NodeJS.ErrnoException | undefined>;
}

/** Call before the first write: from then on a failed write is remembered rather than thrown. */
export function watchOutput(stream: NodeJS.WritableStream): OutputWatch {
  let failure: NodeJS.ErrnoException | undefined;
  const remember = (error: NodeJS.ErrnoException) => {
    failure ??= error;
  };
  stream.on('error', remember);
  return {
    async finish() {
      if (failure === undefined) {
        // Writes complete in order: this empty write's callback runs after every earlier one, and
        // after the error of a failed synchronous write (a file, /dev/full) has been emitted.
        await new Promise<void>((resolve) => {
          stream.write('', (error) => {
            if (error) remember(error);
            resolve();
          });
        });
      }
      return failure;
    },
  };
}

/** The one line the user reads when the output could not be written whole. */
export function outputFailureText(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'error';
  const why =
    code === 'EPIPE'
      ? 'the reading end closed before the end'
      : code === 'ENOSPC'
        ? 'the disk is full'
        : 'writing failed';
  return `could not write all of the output (${code}): ${why}; what was written is incomplete.`;
}
