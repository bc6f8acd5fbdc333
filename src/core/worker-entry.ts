import { parentPort } from 'node:worker_threads';

type ModuleFns = Record<string, (...args: unknown[]) => unknown>;
const modules = new Map<string, Promise<ModuleFns>>();

parentPort?.on('message', (msg: { id: number; module: string; fn: string; args: unknown[] }) => {
  void (async () => {
    try {
      let mod = modules.get(msg.module);
      if (!mod) {
        mod = import(msg.module) as Promise<ModuleFns>;
        modules.set(msg.module, mod);
      }
      const f = (await mod)[msg.fn];
      if (typeof f !== 'function') throw new Error(`kernel ${msg.fn} not found in ${msg.module}`);
      const value = await f(...msg.args);
      parentPort!.postMessage({ id: msg.id, ok: true, value });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ id: msg.id, ok: false, error: err.message, stack: err.stack });
    }
  })();
});
