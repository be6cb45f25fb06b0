// What the health routes report and the prediction routes read: the loaded model (none while
// loading) and whether a shutdown has begun. Readiness needs both a model and no shutdown.
import type { ServedModel } from './model.ts';
import type { PredictionLog } from './prediction-log.ts';

export class PredictorState {
  model: ServedModel | undefined;
  shuttingDown = false;
  /** Set when prediction logging is on and a model is loaded. */
  predictionLog: PredictionLog | undefined;
  private readonly listeners: ((model: ServedModel) => void)[] = [];

  get ready(): boolean {
    return this.model !== undefined && !this.shuttingDown;
  }

  /** Listeners run first: one that throws (a prediction log the model cannot have) leaves the model unserved. */
  setModel(model: ServedModel): void {
    for (const fn of this.listeners) fn(model);
    this.model = model;
  }

  onModel(fn: (model: ServedModel) => void): void {
    this.listeners.push(fn);
    if (this.model) fn(this.model);
  }
}
