/**
 * One progress line for long work: redrawn in place on a terminal, and printed every tenth of
 * the way when the output is a log file or a pipe, so logs stay short.
 */
export function progressLine(stream: NodeJS.WriteStream = process.stdout) {
  let lastLabel = "";
  let lastTenth = -1;
  return {
    update(label: string, done: number, total: number) {
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      const line = `${label}: ${done.toLocaleString("en")}/${total.toLocaleString("en")} (${percent}%)`;
      if (stream.isTTY) {
        stream.write(`${label === lastLabel ? "\r" : lastLabel ? "\n" : ""}${line}`);
      } else if (label !== lastLabel || Math.floor(percent / 10) > lastTenth) {
        stream.write(`${line}\n`);
      }
      if (label !== lastLabel) lastTenth = -1;
      lastTenth = Math.floor(percent / 10);
      lastLabel = label;
    },
    /** Ends the line, so that what is printed next starts on its own. */
    end() {
      if (stream.isTTY && lastLabel) stream.write("\n");
    },
  };
}
