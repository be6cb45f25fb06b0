// What a DriftMonitor asks of a PersonaModel when it requests a retrain: which report, which
// data, and where the current rows are. The monitor writes it as an annotation beside the
// retrain token, in the same patch; the model's controller reads it when it acts on that
// token. Secrets stay Secrets: a Postgres source names its Secret key, never the URL.
import { Type, type Static } from 'typebox';
import { compileCheck } from '@persona-operator/core/schema/check';
import { StringEnum } from '@persona-operator/core/schema/types';
import { DATA_CHOICES } from '@persona-operator/registry/lineage';
import { GROUP, RETRAIN_ANNOTATION } from '../../api/v1alpha1/common.ts';
import { SpecProblem } from './errors.ts';

export const RETRAIN_REQUEST_ANNOTATION = `${GROUP}/retrain-request`;

const strict = { additionalProperties: false } as const;
const NonEmpty = () => Type.String({ minLength: 1 });

export const RetrainRequestSchema = Type.Object(
  {
    /** The retrain annotation value the request belongs to. */
    token: NonEmpty(),
    /** The DriftMonitor, in the model's namespace. */
    monitor: NonEmpty(),
    reportId: Type.Integer({ minimum: 1 }),
    data: StringEnum(DATA_CHOICES),
    current: Type.Union([
      Type.Object(
        {
          postgres: Type.Object(
            { secretRef: Type.Object({ name: NonEmpty(), key: NonEmpty() }, strict), query: NonEmpty() },
            strict,
          ),
        },
        strict,
      ),
      Type.Object({ predictions: Type.Object({ from: NonEmpty(), to: NonEmpty() }, strict) }, strict),
    ]),
    /** Rows the drift run read as current data. */
    currentRows: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type RetrainRequest = Static<typeof RetrainRequestSchema>;

const checkRequest = compileCheck(RetrainRequestSchema, '(request)');

/** The annotations a monitor sets to request a retrain: the token and its request. */
export function retrainRequestAnnotations(request: RetrainRequest): Record<string, string> {
  return {
    [RETRAIN_ANNOTATION]: request.token,
    [RETRAIN_REQUEST_ANNOTATION]: JSON.stringify(request),
  };
}

/**
 * The request of the retrain `token`, if a monitor made one: a request left from an earlier
 * token (a person annotated the model since) is not this retrain's. A malformed request is a
 * SpecProblem naming the annotation and the field.
 */
export function readRetrainRequest(
  annotations: Record<string, string> | undefined,
  token: string,
): RetrainRequest | undefined {
  const text = annotations?.[RETRAIN_REQUEST_ANNOTATION];
  if (text === undefined) return undefined;
  const field = `metadata.annotations["${RETRAIN_REQUEST_ANNOTATION}"]`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SpecProblem(field, `not JSON: ${(err as Error).message}`);
  }
  if ((doc as { token?: unknown } | null)?.token !== token) return undefined;
  const checked = checkRequest(doc);
  if (!checked.ok) throw new SpecProblem(field, `${checked.error.field}: ${checked.error.problem}`);
  return checked.value;
}
