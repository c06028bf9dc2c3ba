import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.js';

/** Test signals described as recipes, rebuilt exactly as test/fixtures/smart-turn/generate.py builds them. */
export type SignalPart =
  | { kind: 'sine'; hz: number; amp: number }
  | { kind: 'chirp'; from: number; to: number; amp: number }
  | { kind: 'noise'; seed: number; amp: number }
  | { kind: 'dc'; amp: number }
  | { kind: 'impulse'; at: number; amp: number }
  | { kind: 'gate'; start: number; end: number };

export interface SignalRecipe {
  name: string;
  samples: number;
  parts: SignalPart[];
}

export interface FeatureReference extends SignalRecipe {
  min: number;
  max: number;
  rowMeans: number[];
  columnMeans: number[];
  scattered: { stride: number; values: number[] };
  tail: { frames: number; values: number[] };
}

export const SMART_TURN_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'smart-turn');

export function loadFeatureReferences(): FeatureReference[] {
  const data = JSON.parse(readFileSync(path.join(SMART_TURN_FIXTURES, 'features.json'), 'utf8')) as { cases: FeatureReference[] };
  return data.cases;
}

const SR = 16000;

/** Park-Miller MINSTD in [-0.5, 0.5): exact in doubles (48271 * 2^31 < 2^53). */
function minstd(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    out[i] = x / 2147483647 - 0.5;
  }
  return out;
}

export function buildSignal(recipe: SignalRecipe): Float32Array {
  const n = recipe.samples;
  const x = new Float64Array(n);
  for (const part of recipe.parts) {
    switch (part.kind) {
      case 'sine':
        for (let i = 0; i < n; i++) x[i]! += part.amp * Math.sin(2 * Math.PI * part.hz * (i / SR));
        break;
      case 'chirp': {
        const dur = n / SR;
        for (let i = 0; i < n; i++) {
          const t = i / SR;
          x[i]! += part.amp * Math.sin(2 * Math.PI * (part.from * t + ((part.to - part.from) * t * t) / (2 * dur)));
        }
        break;
      }
      case 'noise': {
        const noise = minstd(part.seed, n);
        for (let i = 0; i < n; i++) x[i]! += part.amp * noise[i]!;
        break;
      }
      case 'dc':
        for (let i = 0; i < n; i++) x[i]! += part.amp;
        break;
      case 'impulse':
        x[part.at]! += part.amp;
        break;
      case 'gate':
        for (let i = 0; i < n; i++) {
          const t = i / SR;
          if (t < part.start || t >= part.end) x[i] = 0;
        }
        break;
    }
  }
  return Float32Array.from(x);
}
