/**
 * What the gateway's schedulers share: a tick run every period and once at start, never two at
 * once (a tick that outlasts the period makes the next one wait for the following period), and a
 * stop that waits for the tick under way.
 */
export abstract class Periodic<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T>;

  constructor(private readonly periodMs: number) {}

  abstract tick(): Promise<T>;

  start(): void {
    const tick = () => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.periodMs);
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
