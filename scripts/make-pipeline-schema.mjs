#!/usr/bin/env node
// Write schemas/pipeline.schema.json from the commands' own flags (run after changing a command's options).
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/main.js';
import { pipelineSchema } from '../dist/cli/pipeline-schema.js';

const out = new URL('../schemas/pipeline.schema.json', import.meta.url);
writeFileSync(out, JSON.stringify(pipelineSchema(buildProgram()), null, 2) + '\n');
console.error(`wrote ${out.pathname}`);
