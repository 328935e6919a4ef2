/**
 * A progress bar on stderr, only where someone watches (stderr is a TTY) and only for a run
 * long enough to need one: it appears after a short delay, so quick runs print nothing extra.
 */
import cliProgress from 'cli-progress';

const SHOW_AFTER_MS = 750;

export interface Progress {
  onProgress: (done: number, total?: number) => void;
  stop: () => void;
}

export function progressBar(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return { onProgress: () => {}, stop: () => {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress(done, total) {
      if (!bar) {
        if (Date.now() - started < SHOW_AFTER_MS) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: 'inspect [{bar}] {value}/{total} files · {eta_formatted} left',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total ?? 0, done);
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
