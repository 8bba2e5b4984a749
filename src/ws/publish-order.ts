/**
 * Published frames wait for the end of the turn (topics.ts) to leave in one write per socket;
 * a frame sent directly on a WebSocket meanwhile must not overtake them. The frame writer
 * checks this flag before every direct write and, when set, has the waiting bursts written
 * first. A module of its own so that the writer does not import the topics.
 */
import { processState } from '../process-state.js';
export const waitingPublishes: { pending: boolean; flush: () => void } = processState(
  // One per process like the topics it speaks for (see process-state.ts).
  'ws/publish-order@1',
  () => ({ pending: false, flush: () => {} }),
);
