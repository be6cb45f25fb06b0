// The CustomResourceDefinitions, built from the schemas of the API types.
// scripts/gen-crds.ts writes them to crds/; a test keeps the committed YAML in step.
import { dump } from 'js-yaml';
import type { TSchema } from 'typebox';
import type { JSONSchemaProps } from '../schema.ts';
import { CATEGORY, GROUP, VERSION } from './common.ts';
import { DRIFT_MONITOR_KIND, DRIFT_MONITOR_PLURAL, DriftMonitorSchema } from './driftmonitor.ts';
import { PERSONA_MODEL_KIND, PERSONA_MODEL_PLURAL, PersonaModelSchema } from './personamodel.ts';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

// A TypeBox schema is plain JSON Schema; the round trip keeps exactly what JSON carries.
function openApiSchema(schema: TSchema): JSONSchemaProps {
  return JSON.parse(JSON.stringify(schema)) as JSONSchemaProps;
}

function crd(kind: string, plural: string, shortName: string, schema: TSchema, columns: PrinterColumn[]) {
  const def: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${GROUP}`,
      labels: {
        'app.kubernetes.io/name': 'persona-operator',
        'app.kubernetes.io/part-of': 'persona-operator',
      },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        shortNames: [shortName],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema(schema) },
          subresources: { status: {} },
          additionalPrinterColumns: columns,
        },
      ],
    },
  };
  return def;
}

const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const personaModelCrd = crd(PERSONA_MODEL_KIND, PERSONA_MODEL_PLURAL, 'pm', PersonaModelSchema, [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  {
    name: 'Serving',
    type: 'integer',
    jsonPath: '.status.servingVersion',
    description: 'Version the predictor serves',
  },
  {
    name: 'Latest',
    type: 'integer',
    jsonPath: '.status.latestVersion',
    description: 'Newest registered version',
  },
  {
    name: 'Silhouette',
    type: 'number',
    jsonPath: '.status.lastTraining.metrics.silhouetteRounded',
    description: 'Silhouette of the last trained version, to 3 decimals',
  },
  readyColumn,
  {
    name: 'Trigger',
    type: 'string',
    jsonPath: '.status.lastTraining.triggeredBy',
    description: 'What triggered the last training: spec, schedule, manual or a drift report',
    priority: 1,
  },
  {
    name: 'Data',
    type: 'string',
    jsonPath: '.status.lastTraining.data',
    description: 'What the last trained version was trained on, with its rows',
    priority: 1,
  },
  ageColumn,
]);

export const driftMonitorCrd = crd(DRIFT_MONITOR_KIND, DRIFT_MONITOR_PLURAL, 'dm', DriftMonitorSchema, [
  { name: 'Model', type: 'string', jsonPath: '.spec.modelRef.name' },
  { name: 'Drift', type: 'boolean', jsonPath: '.status.lastReport.driftDetected' },
  { name: 'Share', type: 'number', jsonPath: '.status.lastReport.driftShare' },
  {
    name: 'Persona Mix',
    type: 'string',
    jsonPath: '.status.lastReport.personaMix.result',
    description: "The current rows' persona shares against the reference's: Drifted or Stable",
  },
  { name: 'Last Run', type: 'date', jsonPath: '.status.lastRunTime' },
  {
    name: 'Personas Moved',
    type: 'string',
    jsonPath: '.status.lastReport.personaMix.moved',
    description: 'The personas that grew or shrank, with their shares',
    priority: 1,
  },
  {
    name: 'Novelty',
    type: 'number',
    jsonPath: '.status.lastReport.novelty.share',
    description: 'Share of the current rows far from every persona',
    priority: 1,
  },
  readyColumn,
  ageColumn,
]);

export const allCrds: CustomResourceDefinition[] = [personaModelCrd, driftMonitorCrd];

/** The file under crds/ each CRD is written to. */
export function crdFileName(def: CustomResourceDefinition): string {
  return `${def.metadata.name}.yaml`;
}

/** YAML text of one CRD, exactly as committed under crds/. */
export function renderCrd(def: CustomResourceDefinition): string {
  const header = '# Generated by scripts/gen-crds.ts from operator/src/api/v1alpha1; do not edit by hand.\n';
  return header + dump(def, { lineWidth: -1, noRefs: true, sortKeys: false });
}
