/**
 * The primary's side of the IPC broker: it knows its workers by member id, which topics each
 * one hears, and their heartbeats; it forwards a publish to the workers that hear its topic, a
 * question to the worker it is for (answering "gone" itself when that worker is not there) and
 * an answer back, and tells every worker who the members are.
 */
import type { Worker } from 'node:cluster';
import type { MemberInfo } from './broker.js';
import { isIpcMessage, type IpcMessage } from './ipc-messages.js';

interface Member {
  worker: Worker;
  info: MemberInfo;
  topics: Set<string>;
  /** Bytes sent to it and not yet handed to its pipe. */
  inFlight: number;
}

/** Past this many bytes on their way to one worker, publishes to it are dropped. */
const MAX_IN_FLIGHT = 64 * 1024 * 1024;

export class IpcRouter {
  readonly #members = new Map<string, Member>();
  readonly #byWorker = new Map<Worker, Member>();
  #announce: NodeJS.Timeout | undefined;
  #changed = false;
  /** Publishes not forwarded to a worker because it was too far behind. */
  dropped = 0;

  constructor() {
    this.#announce = setInterval(() => {
      if (this.#changed) this.#broadcastMembers();
    }, 1000);
    this.#announce.unref();
  }

  /** Routes one message from `worker`. */
  route(worker: Worker, m: unknown): void {
    if (!isIpcMessage(m)) return;
    switch (m.cc) {
      case 'hello': {
        const member: Member = { worker, info: m.info, topics: new Set(), inFlight: 0 };
        this.#members.set(m.info.id, member);
        this.#byWorker.set(worker, member);
        this.#broadcastMembers();
        return;
      }
      case 'info': {
        const member = this.#byWorker.get(worker);
        if (member !== undefined) {
          member.info = m.info;
          this.#changed = true;
        }
        return;
      }
      case 'listen': {
        const member = this.#byWorker.get(worker);
        if (member === undefined) return;
        if (m.on) member.topics.add(m.topic);
        else member.topics.delete(m.topic);
        return;
      }
      case 'pub': {
        const from = this.#byWorker.get(worker);
        for (const member of this.#members.values()) {
          if (member === from || !member.topics.has(m.topic)) continue;
          this.#forward(member, m, m.batch.byteLength);
        }
        return;
      }
      case 'req': {
        const target = this.#members.get(m.to);
        if (target === undefined || !target.worker.isConnected()) {
          const answer = { ok: false as const, code: 'ERR_CLUSTER_MEMBER_GONE', message: m.to };
          this.#send(worker, { cc: 'res', id: m.id, to: m.from, answer });
        } else {
          this.#send(target.worker, m);
        }
        return;
      }
      case 'res': {
        const target = this.#members.get(m.to);
        if (target !== undefined) this.#send(target.worker, m);
        return;
      }
      default:
        return;
    }
  }

  /** A worker exited: it leaves the members. */
  remove(worker: Worker): void {
    const member = this.#byWorker.get(worker);
    if (member === undefined) return;
    this.#byWorker.delete(worker);
    this.#members.delete(member.info.id);
    this.#broadcastMembers();
  }

  members(): MemberInfo[] {
    return [...this.#members.values()].map((m) => m.info);
  }

  stop(): void {
    clearInterval(this.#announce);
  }

  #forward(member: Member, m: IpcMessage, size: number): void {
    if (member.inFlight > MAX_IN_FLIGHT || !member.worker.isConnected()) {
      this.dropped++;
      return;
    }
    member.inFlight += size;
    member.worker.send(m, undefined, () => {
      member.inFlight -= size;
    });
  }

  #send(worker: Worker, m: IpcMessage): void {
    // With a callback, a send to a worker that died after the check (EPIPE) is not an 'error'
    // event that would crash the primary; its 'exit' handles the rest.
    if (worker.isConnected()) worker.send(m, undefined, ignoreSendError);
  }

  #broadcastMembers(): void {
    this.#changed = false;
    const members = this.members();
    for (const m of this.#members.values()) this.#send(m.worker, { cc: 'members', members });
  }
}

/** A failed send to a dying worker: nothing to do (see #send). */
export function ignoreSendError(): void {}
