// A one-line progress bar on a TTY (redrawn in place on stderr); silent when stderr is not a terminal.
export class Progress {
  private readonly tty: boolean;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, info = ''): void {
    if (!this.tty) return;
    const width = 28;
    const filled = Math.round((done / this.total) * width);
    const secs = (Date.now() - this.started) / 1000;
    const eta = done > 0 ? (secs / done) * (this.total - done) : 0;
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(
      `\r${this.label} [${bar}] ${done}/${this.total} ${info} ${secs.toFixed(0)}s${done < this.total ? ` eta ${eta.toFixed(0)}s` : ''}\x1b[K`,
    );
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}
