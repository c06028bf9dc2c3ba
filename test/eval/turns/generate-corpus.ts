// Synthesises the corpus's phrases offline with espeak-ng and sox, trimmed tight and stored as 16 kHz
// 16-bit WAVs under test/eval/turns/corpus/ (committed: small), plus labels.json, the ground truth
// composed from the generation timeline. Needs espeak-ng and sox on PATH; without them it says so
// and leaves the committed corpus alone.
//   npx tsx test/eval/turns/generate-corpus.ts [--force]   (--force: synthesise every phrase again)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWavFile, writeWavFile } from '../../../electron/engine/audio/wav.js';
import { tightTrim } from '../../helpers/signals.js';
import { allPhrases, phraseKey, type Phrase } from './corpus-spec.js';
import { CORPUS_DIR, PHRASES_DIR, loadCorpus } from './corpus.js';

function have(tool: string, arg: string): boolean {
  const r = spawnSync(tool, [arg], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

async function synthesise(phrase: Phrase, scratch: string): Promise<Float32Array> {
  const raw = path.join(scratch, 'raw.wav');
  const resampled = path.join(scratch, '16k.wav');
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  };
  run('espeak-ng', ['-v', phrase.voice, '-s', String(phrase.speed), '-w', raw, phrase.say]);
  // -D: no dither, so the same phrase gives the same bytes on every run.
  run('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', resampled]);
  const wav = await readWavFile(resampled);
  return tightTrim(wav.channels[0]!, wav.sampleRate, -45);
}

/** Synthesises the phrases not yet on disk (all of them with `force`), then rewrites labels.json. */
export async function generateCorpus(force = false, log: (msg: string) => void = console.log): Promise<boolean> {
  if (!have('espeak-ng', '--version') || !have('sox', '--version')) {
    log('espeak-ng or sox not found: keeping the committed corpus (install both to regenerate).');
    return false;
  }
  mkdirSync(PHRASES_DIR, { recursive: true });
  const scratch = mkdtempSync(path.join(tmpdir(), 'parley-eot-corpus-'));
  const seen = new Map<string, string>();
  try {
    for (const phrase of allPhrases()) {
      const key = phraseKey(phrase);
      if (seen.has(key)) {
        if (seen.get(key) !== phrase.say) throw new Error(`two phrases share the file name ${key}`);
        continue;
      }
      seen.set(key, phrase.say);
      const file = path.join(PHRASES_DIR, `${key}.wav`);
      if (!force && existsSync(file)) continue;
      const audio = await synthesise(phrase, scratch);
      await writeWavFile(file, { sampleRate: 16000, channels: [audio] }, 'pcm16');
      log(`  ${key}.wav ${(audio.length / 16000).toFixed(2)} s`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const corpus = await loadCorpus();
  const labels = {
    note: 'Ground truth from the generation timeline (test/eval/turns/corpus-spec.ts). Times in ms of stream time.',
    turns: corpus.turns.map((c) => c.labels),
    backchannels: corpus.backchannels.map((b) => b.labels),
  };
  writeFileSync(path.join(CORPUS_DIR, 'labels.json'), `${JSON.stringify(labels, null, 1)}\n`);
  log(`${seen.size} phrases, ${corpus.turns.length} turn cases, ${corpus.backchannels.length} backchannel cases; labels in ${path.relative(process.cwd(), CORPUS_DIR)}/labels.json`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await generateCorpus(process.argv.includes('--force'));
}
