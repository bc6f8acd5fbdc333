import { describe, expect, it } from 'vitest';
import { createCliLogger } from '../../src/cli/logger.js';
import {
  ProgressDisplay,
  formatBar,
  formatCount,
  formatElapsed,
  type ProgressClock,
} from '../../src/cli/progress.js';

/** A clock moved by hand, with one interval timer fired by hand. */
function fakeClock() {
  let now = 0;
  let timer: (() => void) | undefined;
  let cleared = 0;
  const clock: ProgressClock = {
    now: () => now,
    setInterval(fn) {
      timer = fn;
      return 1;
    },
    clearInterval() {
      timer = undefined;
      cleared++;
    },
  };
  return {
    clock,
    advance(ms: number) {
      now += ms;
    },
    fire() {
      timer?.();
    },
    get running() {
      return timer !== undefined;
    },
    get cleared() {
      return cleared;
    },
  };
}

function sink(columns?: number) {
  const chunks: string[] = [];
  return {
    stream: { write: (t: string) => chunks.push(t), columns },
    chunks,
    get text() {
      return chunks.join('');
    },
    /** What the terminal shows last on the progress line (after the last carriage return). */
    get line() {
      const all = chunks.join('');
      return all
        .slice(all.lastIndexOf('\r') + 1)
        .split('\x1b[K')
        .join('');
    },
  };
}

describe('progress formatting', () => {
  it('counts with thousands separators whatever the locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(400_000)).toBe('400,000');
    expect(formatCount(1_000_000)).toBe('1,000,000');
  });
  it('elapsed time in seconds, minutes, hours', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(999)).toBe('0s');
    expect(formatElapsed(59_999)).toBe('59s');
    expect(formatElapsed(65_000)).toBe('1m 05s');
    expect(formatElapsed(3_720_000)).toBe('1h 02m');
  });
  it('a bar filled in proportion, clamped', () => {
    expect(formatBar(0, 10)).toBe('░'.repeat(10));
    expect(formatBar(0.5, 10)).toBe('█'.repeat(5) + '░'.repeat(5));
    expect(formatBar(2, 10)).toBe('█'.repeat(10));
  });
});

describe('ProgressDisplay', () => {
  it('draws done/total with a bar, percentage and elapsed time', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock });
    const t = d.start('rows', 1_000_000);
    c.advance(2_500);
    t.tick(400_000);
    expect(out.line).toMatch(/^\S rows 400,000\/1,000,000 █{8}░{12} 40% 2s$/);
  });

  it('throttles redraws caused by ticks, but the heartbeat redraws the elapsed time', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock, minRedrawMs: 100 });
    const t = d.start('trees', 100);
    const drawn = () => out.chunks.length;
    const first = drawn();
    c.advance(10);
    t.tick();
    t.tick();
    expect(drawn()).toBe(first); // within 100 ms of the last draw: no redraw
    c.advance(100);
    t.tick();
    expect(drawn()).toBe(first + 1);
    expect(out.line).toContain('trees 3/100');
    // a long single step: no tick, the timer still redraws the elapsed time
    c.advance(5_000);
    c.fire();
    expect(out.line).toMatch(/trees 3\/100 .* 5s$/);
  });

  it('nests work under way, outermost first, and keeps the bar of the innermost task with a total', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock, minRedrawMs: 0 });
    const restarts = d.start('k-means restart', 10);
    restarts.tick(3);
    const it = d.start('iteration');
    it.tick(12);
    expect(out.line).toMatch(/k-means restart 3\/10 › iteration 12 █{6}░{14} 30% 0s$/);
    it.done();
    expect(out.line).toMatch(/k-means restart 3\/10 █{6}░{14} 30% 0s$/);
  });

  it('clears the line and stops the timer when the last task is done; ticks after done are ignored', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock });
    const t = d.start('rows', 10);
    expect(c.running).toBe(true);
    t.done();
    expect(c.running).toBe(false);
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
    const n = out.chunks.length;
    t.tick();
    c.fire();
    expect(out.chunks.length).toBe(n);
  });

  it('writes log lines above the progress line, which is drawn again under them', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock });
    d.start('rows', 10);
    d.write('warning: something\n');
    expect(out.text).toContain('\r\x1b[Kwarning: something\n\r\x1b[K');
    expect(out.line).toContain('rows 0/10');
  });

  it('stop() clears whatever is still under way', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock });
    d.start('a', 2);
    d.start('b');
    d.stop();
    expect(d.active).toBe(false);
    expect(c.running).toBe(false);
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const c = fakeClock();
    const out = sink(30);
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock });
    d.start('a very long label that would wrap', 100);
    expect([...out.line].length).toBe(29);
  });
});

describe('CLI logger progress', () => {
  it('on a terminal: the progress line; info lines go above it', () => {
    const c = fakeClock();
    const out = sink();
    const logger = createCliLogger({
      format: 'text',
      level: 'info',
      tty: true,
      stream: out.stream,
      clock: c.clock,
    });
    const p = logger.progress('trees', 100);
    c.advance(200);
    p.tick(40);
    expect(out.line).toContain('trees 40/100');
    logger.log('info', 'hello');
    p.done();
    expect(out.text).toContain('hello\n');
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('not on a terminal, or with --quiet: no control codes at all', () => {
    for (const opts of [
      { tty: false, level: 'info' as const },
      { tty: true, level: 'error' as const },
    ]) {
      const out = sink();
      const logger = createCliLogger({
        format: 'text',
        ...opts,
        stream: out.stream,
        clock: fakeClock().clock,
      });
      const p = logger.progress('trees', 100);
      p.tick(50);
      p.done();
      expect(out.text).not.toContain('\x1b');
      expect(out.text).toBe('');
    }
  });

  it('--log-format json: progress lines at debug level with done and total, at most one a second', () => {
    const c = fakeClock();
    const out = sink();
    const logger = createCliLogger({
      format: 'json',
      level: 'debug',
      tty: true,
      stream: out.stream,
      clock: c.clock,
    });
    const p = logger.progress('trees', 100);
    for (let i = 0; i < 100; i++) {
      c.advance(50);
      p.tick();
    }
    p.done();
    const lines = out.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.text).not.toContain('\x1b');
    expect(lines.every((l) => l.level === 'debug' && l.label === 'trees' && l.total === 100)).toBe(true);
    // start, one per second of the 5 s, and the end
    expect(lines.map((l) => l.done)).toEqual([0, 20, 40, 60, 80, 100, 100]);
    expect(lines.at(-1)!.msg).toBe('trees done');
    expect(lines.at(-1)!.seconds).toBe(5);
  });

  it('--log-format json at info level: no progress lines', () => {
    const out = sink();
    const logger = createCliLogger({ format: 'json', level: 'info', tty: false, stream: out.stream });
    const p = logger.progress('trees', 100);
    p.tick();
    p.done();
    expect(out.text).toBe('');
  });
});

describe('nested labels of a pipeline step', () => {
  it('drop the step name their parent already shows', () => {
    const c = fakeClock();
    const out = sink();
    const d = new ProgressDisplay({ stream: out.stream, clock: c.clock, minRedrawMs: 0 });
    d.start('pipeline step', 5).tick(2);
    d.start('tune: k-means grid', 7);
    d.start('tune: k-means restart', 10);
    expect(out.line).toContain('pipeline step 2/5 › tune: k-means grid 0/7 › k-means restart 0/10');
  });
});

describe('CLI logger without a terminal, at debug level', () => {
  it('one debug line when the outermost work ends, none for nested work', () => {
    const out = sink();
    const logger = createCliLogger({
      format: 'text',
      level: 'debug',
      tty: false,
      stream: out.stream,
      clock: fakeClock().clock,
    });
    const outer = logger.progress('k-means restart', 2);
    for (let r = 0; r < 2; r++) {
      const inner = logger.progress('iteration');
      inner.tick(5);
      inner.done();
      outer.tick();
    }
    outer.done();
    // (the tag may be coloured, as the terminal allows)
    expect(out.text.trim().split('\n')).toHaveLength(1);
    expect(out.text).toContain('k-means restart done\n');
  });
});
