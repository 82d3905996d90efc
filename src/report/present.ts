import type { Outcome } from '../modes/index.js';
import { presentActivation } from './activate.js';
import { presentItems } from './items.js';
import type { Presented } from './presented.js';
import { presentPurge } from './purge.js';

export function present(outcome: Outcome): Presented {
  switch (outcome.mode) {
    case 'activate':
      return presentActivation(outcome);
    case 'update-dictionary':
    case 'update-config-store':
      return presentItems(outcome);
    default:
      return presentPurge(outcome);
  }
}
