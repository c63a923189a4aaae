import type { FaultName } from './faults.ts';

/** The fault in force: set at start or through the admin API, optionally for a number of strikes. */
export class FaultState {
  /** How many more times the fault strikes before it clears itself; null: until cleared. */
  private left: number | null = null;

  constructor(private inForce: FaultName | null) {}

  get fault(): FaultName | null {
    return this.inForce;
  }

  get remaining(): number | null {
    return this.left;
  }

  /** Puts `fault` in force for the next `times` strikes, or (null) until changed. */
  set(fault: FaultName | null, times: number | null): void {
    this.inForce = fault;
    this.left = times;
  }

  /** Whether `name` is the fault in force, counting the strike when it is limited. */
  strikes(name: FaultName): boolean {
    if (this.inForce !== name) return false;
    if (this.left !== null && --this.left === 0) {
      this.inForce = null;
      this.left = null;
    }
    return true;
  }
}
