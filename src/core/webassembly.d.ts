// The parts of the WebAssembly JavaScript API the project uses (Node has them; TypeScript's ES libraries do not
// declare them without the DOM library).
declare global {
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    interface Memory {
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    // eslint-disable-next-line no-var
    var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Module {}
    // eslint-disable-next-line no-var
    var Module: { prototype: Module; new (bytes: Uint8Array): Module };
    interface Instance {
      readonly exports: Record<string, unknown>;
    }
    // eslint-disable-next-line no-var
    var Instance: {
      prototype: Instance;
      new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance;
    };
  }
}

export {};
