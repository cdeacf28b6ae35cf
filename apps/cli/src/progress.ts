export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** One more of `total` is done; `detail` says which. */
  advance(detail: string): void;
}

const BAR_WIDTH = 20;

/**
 * Shows how far a long task has got: one bar redrawn in place on a terminal, one line per step
 * elsewhere (a log or a pipe), so that the output stays readable in both.
 */
export function startProgress(output: ProgressOutput, label: string, total: number): Progress {
  let done = 0;
  return {
    advance(detail) {
      done = Math.min(done + 1, total);
      const counter = `${done}/${total}`;
      if (!output.isTTY) {
        output.write(`${label} ${counter} ${detail}\n`);
        return;
      }
      const filled = Math.round((done / total) * BAR_WIDTH);
      const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
      output.write(`\r\x1b[2K${label} ${bar} ${counter} ${detail}${done === total ? "\n" : ""}`);
    },
  };
}
