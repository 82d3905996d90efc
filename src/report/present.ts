import type { Outcome } from '../modes/index.js';
import { presentActivation } from './activate.js';
import type { Presented } from './presented.js';
import { presentPurge } from './purge.js';

export function present(outcome: Outcome): Presented {
  return outcome.mode === 'activate' ? presentActivation(outcome) : presentPurge(outcome);
}
