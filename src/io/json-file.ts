// Reading JSON files segment wrote lives in core/ (model files are read there, by `loadModelFile`).
export { readJsonFile } from '../core/json-file.js';
