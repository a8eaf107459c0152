/**
 * Splits a workload's stdout into pass-through text and phase markers: a line
 * `::kdbench phase NAME::` starts phase NAME and is removed from the output. Text that cannot be
 * the start of a marker is passed on at once (progress bars without newlines stay live).
 */
const PREFIX = '::kdbench phase ';
const MARKER = /^::kdbench phase (.+?)::\r?$/;

export class PhaseMarkerFilter {
  private pending = '';
  /** True when the pending text starts at the beginning of a line. */
  private atLineStart = true;

  constructor(
    private readonly write: (text: string) => void,
    private readonly onPhase: (name: string) => void,
  ) {}

  push(chunk: string): void {
    let text = this.pending + chunk;
    this.pending = '';
    let out = '';
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      const m = this.atLineStart ? MARKER.exec(line) : null;
      if (m) {
        if (out) this.write(out);
        out = '';
        this.onPhase(m[1].trim());
      } else out += line + '\n';
      this.atLineStart = true;
    }
    if (text !== '') {
      const couldBeMarker = this.atLineStart && (PREFIX.startsWith(text) || text.startsWith(PREFIX));
      if (couldBeMarker) this.pending = text;
      else {
        out += text;
        this.atLineStart = false;
      }
    }
    if (out) this.write(out);
  }

  /** Flushes what is left when the stream ends (an unterminated marker line still counts). */
  end(): void {
    const rest = this.pending;
    this.pending = '';
    if (rest === '') return;
    const m = MARKER.exec(rest);
    if (m) this.onPhase(m[1].trim());
    else this.write(rest);
  }
}
