/**
 * Progress on long work, on stderr (stdout stays clean for machine output): a redrawn bar with
 * the time left on a terminal, plain lines (every 10 % and at the end) otherwise.
 */
import type { ProgressSink } from '../run/progress.js';

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export class Progress implements ProgressSink {
  private label = '';
  private total = 1;
  private t0 = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb',
    private readonly quiet = false,
  ) {}

  begin(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.t0 = Date.now();
    this.lastDecile = -1;
    this.lastDraw = this.tty ? 0 : this.t0;
    if (!this.tty && !this.quiet) this.out.write(`[kdbench] ${label}: started (${total} steps)\n`);
  }

  update(done: number, detail = ''): void {
    if (this.quiet) return;
    const frac = Math.min(1, done / this.total);
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : NaN;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.out.write(
        `\r\x1b[2K${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ETA ${fmtSeconds(eta)} ${detail}`,
      );
      this.drawn = true;
    } else {
      // Plain lines: at each 10 % mark, but not more often than every 5 s.
      const decile = Math.floor(frac * 10);
      const now = Date.now();
      if (decile > this.lastDecile && decile < 10 && now - this.lastDraw >= 5000) {
        this.lastDecile = decile;
        this.lastDraw = now;
        if (decile > 0)
          this.out.write(`[kdbench] ${this.label}: ${decile * 10}% (${done}/${this.total}), about ${fmtSeconds(eta)} left ${detail}\n`);
      }
    }
  }

  end(detail = ''): void {
    if (this.quiet) return;
    const elapsed = fmtSeconds((Date.now() - this.t0) / 1000);
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    this.out.write(`[kdbench] ${this.label}: done in ${elapsed} ${detail}\n`);
  }

  log(line: string): void {
    if (this.quiet) return;
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    this.out.write(`[kdbench] ${line}\n`);
  }
}
