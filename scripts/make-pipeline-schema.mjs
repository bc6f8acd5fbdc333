#!/usr/bin/env node
// Write schemas/pipeline.schema.json from the step commands' declared parameters (run after changing a command's
// options), and the JSON Schemas every saved model is checked against on load (schemas/*-model.schema.json), so the
// published files are the ones the code uses (test/run/pipeline.test.ts and test/docs/schemas.test.ts keep them equal).
import { writeFileSync } from 'node:fs';
import { cleanModelSchema } from '../dist/clean/clean-model.js';
import { clusterModelSchema } from '../dist/cluster/cluster-model.js';
import { predictModelSchema } from '../dist/predict/predict-model.js';
import { pipelineSchema } from '../dist/run/steps.js';
import { selectModelSchema } from '../dist/select/select-model.js';

const files = {
  'pipeline.schema.json': pipelineSchema(),
  'model.schema.json': clusterModelSchema,
  'clean-model.schema.json': cleanModelSchema,
  'select-model.schema.json': selectModelSchema,
  'predict-model.schema.json': predictModelSchema,
};
for (const [name, schema] of Object.entries(files)) {
  const out = new URL(`../schemas/${name}`, import.meta.url);
  writeFileSync(out, JSON.stringify(schema, null, 2) + '\n');
  console.error(`wrote ${out.pathname}`);
}
