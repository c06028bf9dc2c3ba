import type http from 'node:http';
import { listen, type FakeServer } from './http.js';

/**
 * A static file server as model hosts and mirrors behave (RFC 9110 ranges): GET and HEAD,
 * `Range: bytes=N-` / `bytes=N-M` answered 206 with Content-Range `bytes N-M/total`, a range
 * past the end answered 416 with `bytes * /total`, unknown paths 404. Faults on demand.
 */
export interface MirrorFaults {
  /** The first N full-body responses send this many bytes, then the connection is destroyed. */
  dropAfterBytes?: number;
  dropTimes?: number;
  /** Serves these bytes instead of the file (same length): a corrupt mirror. */
  wrongBytes?: boolean;
  /** Ignores Range and always answers 200 with the whole file (servers without range support). */
  ignoreRange?: boolean;
  /** Sends this many bytes of each response, then waits for release() (or the client to hang up). */
  holdAfterBytes?: number;
}

export interface MirrorRequest {
  path: string;
  method: string;
  range: string | undefined;
  status: number;
  /** Body bytes written before the response ended or the connection closed. */
  sentBytes: number;
  clientHungUp: boolean;
}

export interface ModelMirror extends FakeServer {
  requests: MirrorRequest[];
  faults: MirrorFaults;
  /** Lets held responses continue. */
  release(): void;
  /** Resolves when a response is being held (holdAfterBytes). */
  held(): Promise<void>;
}

export async function startModelMirror(files: Record<string, Buffer>, faults: MirrorFaults = {}): Promise<ModelMirror> {
  const requests: MirrorRequest[] = [];
  let drops = 0;
  let releaseHeld: (() => void)[] = [];
  let heldWaiters: (() => void)[] = [];
  let heldCount = 0;
  const state = { faults };

  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // As model hosts do (a hub's resolve URL, a release asset): /redirect/<name> answers 302 to the file.
    if (url.pathname.startsWith('/redirect/')) {
      requests.push({ path: url.pathname, method: req.method ?? '', range: req.headers.range, status: 302, sentBytes: 0, clientHungUp: false });
      res.writeHead(302, { location: url.pathname.slice('/redirect'.length) });
      return void res.end();
    }
    const file = files[decodeURIComponent(url.pathname)];
    const record: MirrorRequest = { path: url.pathname, method: req.method ?? '', range: req.headers.range, status: 0, sentBytes: 0, clientHungUp: false };
    requests.push(record);
    res.on('close', () => {
      record.clientHungUp = !res.writableFinished;
    });
    const send = (status: number, headers: Record<string, string>, body?: Buffer) => {
      record.status = status;
      res.writeHead(status, headers);
      if (body && req.method !== 'HEAD') void stream(body);
      else res.end();
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { allow: 'GET, HEAD' });
    if (!file) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end(req.method === 'HEAD' ? undefined : 'not found');
    }
    const f = state.faults;
    const content = f.wrongBytes ? Buffer.from(file.map((b) => b ^ 0x5a)) : file;
    const total = content.length;

    const stream = async (body: Buffer) => {
      const full = body.length === total;
      const dropAt = full && f.dropAfterBytes !== undefined && drops < (f.dropTimes ?? 1) ? f.dropAfterBytes : undefined;
      if (dropAt !== undefined) drops++;
      const holdAt = f.holdAfterBytes;
      let at = 0;
      const CHUNK = 16 * 1024;
      while (at < body.length && !res.destroyed) {
        const stop = Math.min(body.length, at + CHUNK, dropAt !== undefined && at < dropAt ? dropAt : Infinity, holdAt !== undefined && at < holdAt ? holdAt : Infinity);
        const piece = body.subarray(at, stop);
        await new Promise<void>((r) => res.write(piece, () => r()));
        at = stop;
        record.sentBytes = at;
        if (dropAt !== undefined && at === dropAt) {
          res.destroy(); // the connection drops mid-body
          return;
        }
        if (holdAt !== undefined && at === holdAt) {
          heldCount++;
          for (const w of heldWaiters) w();
          heldWaiters = [];
          await new Promise<void>((r) => {
            releaseHeld.push(r);
            res.once('close', () => r());
          });
        }
      }
      if (!res.destroyed) res.end();
    };

    const range = req.headers.range;
    if (range && !f.ignoreRange) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (m) {
        const start = Number(m[1]);
        const end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
        if (start >= total || end < start) return send(416, { 'content-range': `bytes */${total}` });
        return send(206, { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${total}`, 'accept-ranges': 'bytes' }, content.subarray(start, end + 1));
      }
    }
    send(200, { 'content-type': 'application/octet-stream', 'content-length': String(total), ...(f.ignoreRange ? {} : { 'accept-ranges': 'bytes' }) }, content);
  };

  const server = await listen(handler);
  return {
    ...server,
    requests,
    get faults() {
      return state.faults;
    },
    set faults(v: MirrorFaults) {
      state.faults = v;
    },
    release() {
      const r = releaseHeld;
      releaseHeld = [];
      for (const fn of r) fn();
    },
    held() {
      if (heldCount > 0) {
        heldCount--;
        return Promise.resolve();
      }
      return new Promise<void>((r) =>
        heldWaiters.push(() => {
          heldCount--;
          r();
        }),
      );
    },
  };
}
