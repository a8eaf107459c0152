/**
 * Splits a workload's stdout into pass-through text and phase markers: a line
 * `::kdbench phase NAME::` starts phase NAME and is removed from the output. Text that cannot be
 * the start of a marker is passed on at once (progress bars without newlines stay live).
 *
 * Bounded, whatever the workload prints: a line is held back only while it can still be a marker
 * and at most MAX_MARKER_LINE characters long; a longer line is passed through as it arrives and
 * never parsed, so memory and time stay linear in the output. A marker whose name breaks the rules
 * (checkPhaseName) is passed through as text and reported to `onIgnored`.
 */
const PREFIX = '::kdbench phase ';
const MARKER = /^::kdbench phase (.*)::\r?$/s;

/** Longest line parsed as a marker; longer lines starting like one are passed through unparsed. */
export const MAX_MARKER_LINE = 4096;
/** Longest phase name, in characters. */
export const MAX_PHASE_NAME = 128;
/**
 * A phase name: letters (any script), digits and _ first, then also spaces and . : / # ( ) + -.
 * It cannot start with = + - @ (a formula in a spreadsheet), hold a newline, a quote or a comma.
 */
const NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_ .:/#()+-]*$/u;

/** Why `name` cannot name a phase, or undefined where it can. */
export function checkPhaseName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.length > MAX_PHASE_NAME) return `the name is ${name.length} characters long (at most ${MAX_PHASE_NAME})`;
  if (!NAME.test(name)) return 'the name must start with a letter, digit or _ and hold only letters, digits, spaces and _ . : / # ( ) + -';
  return undefined;
}

export class PhaseMarkerFilter {
  /** The start of a line that may still become a marker (at most MAX_MARKER_LINE characters). */
  private pending = '';
  /** True when the next text starts at the beginning of a line. */
  private atLineStart = true;

  constructor(
    private readonly write: (text: string) => void,
    private readonly onPhase: (name: string) => void,
    /** A line that looked like a marker but was not taken, and why (passed through as text). */
    private readonly onIgnored: (reason: string, line: string) => void = () => {},
  ) {}

  push(chunk: string): void {
    const text = this.pending === '' ? chunk : this.pending + chunk;
    this.pending = '';
    const parts: string[] = [];
    const flush = () => {
      if (parts.length > 0) this.write(parts.join(''));
      parts.length = 0;
    };
    let i = 0;
    while (i < text.length) {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      if (!this.atLineStart || !couldBeMarker(text, i, end)) {
        // Not a marker: pass the rest of the line through at once.
        parts.push(text.slice(i, nl < 0 ? text.length : nl + 1));
        this.atLineStart = nl >= 0;
        i = nl < 0 ? text.length : nl + 1;
        continue;
      }
      if (end - i > MAX_MARKER_LINE) {
        // Too long to be a marker: passed through unparsed, up to its end.
        this.onIgnored(`a line starting "${PREFIX.trim()}" longer than ${MAX_MARKER_LINE} characters is not parsed`, text.slice(i, i + 80));
        parts.push(text.slice(i, nl < 0 ? text.length : nl + 1));
        this.atLineStart = nl >= 0;
        i = nl < 0 ? text.length : nl + 1;
        continue;
      }
      if (nl < 0) {
        this.pending = text.slice(i);
        break;
      }
      const line = text.slice(i, nl);
      i = nl + 1;
      const name = this.markerName(line);
      if (name === undefined) parts.push(line + '\n');
      else {
        flush();
        this.onPhase(name);
      }
    }
    flush();
  }

  /** The phase a complete line starts, or undefined (then the line is text; an invalid name is reported). */
  private markerName(line: string): string | undefined {
    const m = MARKER.exec(line);
    if (!m) return undefined;
    const name = m[1].trim();
    const why = checkPhaseName(name);
    if (why) {
      this.onIgnored(why, line.slice(0, 80));
      return undefined;
    }
    return name;
  }

  /** Flushes what is left when the stream ends (an unterminated marker line still counts). */
  end(): void {
    const rest = this.pending;
    this.pending = '';
    if (rest === '') return;
    const name = this.markerName(rest);
    if (name !== undefined) this.onPhase(name);
    else this.write(rest);
  }
}

/** True when text[i, end) matches the marker prefix as far as it goes. */
function couldBeMarker(text: string, i: number, end: number): boolean {
  const n = Math.min(PREFIX.length, end - i);
  return text.startsWith(PREFIX.slice(0, n), i);
}
