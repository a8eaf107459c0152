/** A retrieval cost record as run.json holds it (hand-made retrieval runs of the report tests). */
import type { RetrievalCostRecord } from '../../src/core/contract.js';

/** `jPer1000` J over 1,000 items in round `round`, with an uncertainty of half the energy. */
export function retrievalCost(
  model: string,
  part: RetrievalCostRecord['part'],
  jPer1000: number,
  round = 1,
  method = 'estimated',
): RetrievalCostRecord {
  return {
    model,
    part,
    phase: `retrieval-${part}:${model}:r${round}`,
    round,
    items: 1000,
    energyJ: jPer1000,
    uncertaintyJ: jPer1000 / 2,
    jPer1000,
    method,
  };
}
