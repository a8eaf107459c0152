/** Where a run reports its progress (the CLI draws it on stderr; tests may collect it). */
export interface ProgressSink {
  begin(label: string, total: number): void;
  update(done: number, detail?: string): void;
  end(detail?: string): void;
  log(line: string): void;
}
