import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root and the shared test assets beside it (../shared/models, see its README). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_MODELS = process.env.PARLEY_SHARED_MODELS ?? path.resolve(ROOT, '..', 'shared', 'models');
export const SPEECH_DIR = path.join(SHARED_MODELS, 'speech');
export const speechFile = (name: string): string => path.join(SPEECH_DIR, name);
