// A WebSocket to the page's own server that comes back by itself: after a close that was not
// asked for (anything but 1000), it reconnects with a growing delay (0.5 s to 4 s).
const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;

/**
 * @param {string} path e.g. '/echo?viewer=…'; a function is called again at each reconnect
 * @param {{open?: (ws: WebSocket) => void, message?: (e: MessageEvent) => void,
 *          close?: (e: CloseEvent, retryMs: number | undefined) => void}} on
 */
export function reconnecting(path, on) {
  let ws;
  let delay = 500;
  let stopped = false;
  let timer;
  function connect() {
    ws = new WebSocket(base + (typeof path === 'function' ? path() : path));
    ws.onopen = () => {
      delay = 500;
      on.open?.(ws);
    };
    ws.onmessage = (e) => on.message?.(e);
    ws.onclose = (e) => {
      const retry = !stopped && e.code !== 1000 ? delay : undefined;
      on.close?.(e, retry);
      if (retry !== undefined) {
        timer = setTimeout(connect, retry);
        delay = Math.min(delay * 2, 4000);
      }
    };
  }
  connect();
  return {
    send(data) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(data);
      return true;
    },
    /** Closes for good (or, with `again`, reconnects at once: a new name in the chat). */
    close(again = false) {
      clearTimeout(timer);
      stopped = !again;
      ws.onclose = null;
      ws.close(1000);
      if (again) connect();
    },
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
  };
}
