/** Requests a fault's hang is holding, so that closing the app can answer them at once. */
export class Holds {
  private readonly held = new Set<() => void>();
  private isClosing = false;

  /** Whether the app is closing: a request it released should close its connection. */
  get closing(): boolean {
    return this.isClosing;
  }

  /** Holds a request (a fault's hang) for `ms`, or until the app closes. */
  hold(ms: number): Promise<void> {
    if (this.isClosing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.held.add(release);
    });
  }

  /** Releases every request held, and holds none from now on. */
  close(): void {
    this.isClosing = true;
    for (const release of this.held) release();
  }
}
