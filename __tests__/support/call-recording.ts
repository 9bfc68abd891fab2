/**
 * The end-to-end suite's recording of what each stack calls, phase by phase: the emulator logs every
 * request (EMULATOR_CALL_LOG); a phase is a window of that log in one account (stage and prod deploy in
 * parallel, each in its own account); each request of a window becomes the authorizations AWS would
 * make for it (emulator/call-log.ts), attributed to the window's stack and phase.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { authorizationsOfLog, type RawCall, type RecordedCall, readCallLog } from "../../emulator/call-log";

interface Window {
  readonly stack: string;
  readonly phase: string;
  readonly account: string;
  readonly from: number;
  to: number;
}

export class CallRecording {
  private readonly windows: Window[] = [];

  constructor(readonly logFile: string) {}

  /** How many requests the emulator has logged so far. */
  private lines(): number {
    if (!existsSync(this.logFile)) return 0;
    const text = readFileSync(this.logFile, "utf8");
    let count = 0;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
    return count;
  }

  /** Runs `body`, attributing the requests it makes in `account` to the stack and phase. */
  async during<T>(stack: string, phase: string, account: string, body: () => Promise<T>): Promise<T> {
    // Windows tell stacks apart by account and time only: two at once in one account would mix their calls.
    const open = this.windows.find((w) => w.account === account && w.to === Number.POSITIVE_INFINITY);
    if (open) {
      throw new Error(`${stack} ${phase} overlaps ${open.stack} ${open.phase} in account ${account}: run them one after the other`);
    }
    const window: Window = { stack, phase, account, from: this.lines(), to: Number.POSITIVE_INFINITY };
    this.windows.push(window);
    try {
      return await body();
    } finally {
      window.to = this.lines();
    }
  }

  /** Every authorization of every phase, in the order the requests were served. */
  async recorded(): Promise<RecordedCall[]> {
    const log = readCallLog(this.logFile);
    const out: RecordedCall[] = [];
    const byWindow = new Map<Window, RawCall[]>();
    log.forEach((raw, line) => {
      const window = this.windows.find((w) => w.account === raw.account && line >= w.from && line < w.to);
      if (window) byWindow.set(window, [...(byWindow.get(window) ?? []), raw]);
    });
    // One log: a service's first use in an account is its first in the whole recording.
    const seen = new Set<string>();
    for (const window of this.windows) {
      for (const call of await authorizationsOfLog(byWindow.get(window) ?? [], seen)) {
        out.push({ stack: window.stack, phase: window.phase, ...call });
      }
    }
    return out;
  }
}

/** Writes the recording where `npm run audit` reads it. */
export function writeRecording(file: string, calls: readonly RecordedCall[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(calls, null, 1)}\n`);
}
