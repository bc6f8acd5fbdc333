#!/usr/bin/env node
// Write schemas/pipeline.schema.json from the step commands' declared parameters (run after changing a command's options).
import { writeFileSync } from 'node:fs';
import { pipelineSchema } from '../dist/run/steps.js';

const out = new URL('../schemas/pipeline.schema.json', import.meta.url);
writeFileSync(out, JSON.stringify(pipelineSchema(), null, 2) + '\n');
console.error(`wrote ${out.pathname}`);
