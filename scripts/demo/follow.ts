// Waiting on the cluster with progress: each fact about an object is printed once, as it changes.
import type { PersonaModel } from '../../operator/src/api/v1alpha1/personamodel.ts';
import { getModel, isReadyOn, podReady, predictorPods, type E2e } from '../../test/e2e/support.ts';
import { DemoError, fixed, say } from './output.ts';

export interface Follow<T> {
  what: string;
  read: () => Promise<T>;
  /** Named facts about the object; each one that changes is printed. */
  facts: (obj: T) => Record<string, string | undefined>;
  done: (obj: T) => boolean;
  timeoutMs: number;
  /** Facts already printed (shared between waits on one object, so nothing is repeated). */
  seen?: Map<string, string>;
}

/** Polls until done, printing each fact as it changes and a heartbeat every 15 s of silence. */
export async function follow<T>(f: Follow<T>): Promise<T> {
  const deadline = Date.now() + f.timeoutMs;
  const seen = f.seen ?? new Map<string, string>();
  let lastPrint = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const obj = await f.read();
      for (const [key, value] of Object.entries(f.facts(obj))) {
        if (value === undefined || seen.get(key) === value) continue;
        seen.set(key, value);
        say(`  ${value}`);
        lastPrint = Date.now();
      }
      if (f.done(obj)) return obj;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const last = [...seen.values()].at(-1) ?? lastError;
      throw new DemoError(
        `timed out after ${f.timeoutMs / 1000} s waiting for ${f.what} (last seen: ${last || 'nothing'})`,
      );
    }
    if (Date.now() - lastPrint > 15_000) {
      say(`  … still waiting for ${f.what}`);
      lastPrint = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function modelFacts(e: E2e, name: string) {
  return async (m: PersonaModel): Promise<Record<string, string | undefined>> => {
    const s = m.status ?? {};
    const t = s.lastTraining;
    const pods = (await predictorPods(e, name)).filter(podReady);
    const versions = [...new Set(pods.map((p) => p.metadata?.labels?.['personas.dtc.dev/version']))];
    return {
      phase: s.phase && `phase ${s.phase}`,
      job: t && `training Job ${t.jobName} (trigger: ${t.trigger ?? 'n/a'})`,
      trained:
        t?.result && t.result !== 'Running'
          ? `training ${t.result}${t.version ? `: version ${t.version}` : ''}${t.metrics ? `, k = ${t.metrics.k}, silhouette ${fixed(t.metrics.silhouette)}` : ''}${t.message ? ` (${t.message})` : ''}`
          : undefined,
      promotion:
        s.lastPromotion &&
        `promotion of version ${s.lastPromotion.version}: ${s.lastPromotion.decision} (${s.lastPromotion.reason})`,
      serving: s.servingVersion !== undefined ? `servingVersion ${s.servingVersion}` : undefined,
      pods: pods.length
        ? `${pods.length} predictor pod(s) ready, serving version ${versions.join(', ')}`
        : undefined,
    };
  };
}

/** What has been printed about each model, so a second wait shows only what changed. */
const modelSeen = new Map<string, Map<string, string>>();

export async function waitForModelVersion(
  e: E2e,
  name: string,
  version: number,
  timeoutMs: number,
): Promise<PersonaModel> {
  if (!modelSeen.has(name)) modelSeen.set(name, new Map());
  const facts = modelFacts(e, name);
  let factsNow: Record<string, string | undefined> = {};
  return follow({
    what: `${name} to serve version ${version}`,
    read: async () => {
      const m = await getModel(e, name);
      factsNow = await facts(m);
      return m;
    },
    facts: () => factsNow,
    done: (m) => isReadyOn(version)(m) && (factsNow.pods ?? '').endsWith(`serving version ${version}`),
    timeoutMs,
    seen: modelSeen.get(name),
  });
}
