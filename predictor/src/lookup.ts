// Resolves the model named in a route: 503 while loading, 404 for any other name.
import { HttpError } from './errors.ts';
import type { ServedModel } from './model.ts';
import type { PredictorState } from './state.ts';

export function quote(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s);
}

export function modelNamed(state: PredictorState, name: string): ServedModel {
  const model = state.model;
  if (!model) throw new HttpError(503, 'the model is still loading');
  if (name !== model.name) {
    throw new HttpError(404, `model ${quote(name)} not found; this predictor serves ${quote(model.name)}`);
  }
  return model;
}
