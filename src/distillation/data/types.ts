/** A labelled text example. */
export interface Example {
  id: string;
  text: string;
  label: number;
  /** Examples of one group (passages of one text) always land on the same side of a split. */
  group?: string;
}

export interface Dataset {
  name: string;
  description: string;
  /** Class names; a label is an index into this list. */
  classes: string[];
  examples: Example[];
  source: { package: string; version: string | null; licence: string };
}

/** The data a suite asks for (its `dataset` field). */
export interface DatasetSpec {
  name: 'spam-assassin' | 'brown-genre';
  /** brown-genre: words per passage (default 100). */
  passageWords?: number;
  testFraction: number;
  maxExamples?: number;
  vocabSize: number;
  seqLen: number;
  /**
   * Examples of the training split that keep their labels (stratified by label, seeded); the rest of
   * the training split is the unlabelled pool (text only, its labels never used). The teacher and the
   * controls learn from the labelled examples; the students from them and from the transfer set the
   * teacher labels. Default: every training example is labelled.
   */
  labelled?: number;
}
