import type { Outcome } from '../modes/index.js';
import { presentActivation } from './activate.js';
import { presentItems } from './items.js';
import type { Presented } from './presented.js';
import { presentPurge } from './purge.js';
import { presentStats } from './stats.js';

export function present(outcome: Outcome): Presented {
  switch (outcome.mode) {
    case 'activate':
      return presentActivation(outcome);
    case 'update-dictionary':
    case 'update-config-store':
      return presentItems(outcome);
    case 'stats':
      return presentStats(outcome);
    default:
      return presentPurge(outcome);
  }
}
