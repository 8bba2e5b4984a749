/**
 * Published frames wait for the end of the turn (topics.ts) to leave in one write per socket;
 * a frame sent directly on a WebSocket meanwhile must not overtake them. The frame writer
 * checks this flag before every direct write and, when set, has the waiting bursts written
 * first. A module of its own so that the writer does not import the topics.
 */
export const waitingPublishes: { pending: boolean; flush: () => void } = {
  pending: false,
  flush: () => {},
};
