/// <reference lib="webworker" />
/** Worker entry: wires messages to the session. No maths and no scheduling here. */
import { msg } from '../contract/messages.ts';
import type { Command, WorkerEvent } from '../contract/protocol.ts';
import { Session } from './session/session.ts';

declare const self: DedicatedWorkerGlobalScope;

const session = new Session((event: WorkerEvent, transfer?: Transferable[]) => self.postMessage(event, transfer ?? []));

self.onmessage = (e: MessageEvent<Command>) => void session.handle(e.data);

self.addEventListener('unhandledrejection', (e) => {
  self.postMessage({ type: 'status', state: 'error', message: msg('error.unhandled', { detail: String(e.reason) }) } satisfies WorkerEvent);
});
