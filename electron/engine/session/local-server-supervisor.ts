import { ParleyError } from '../errors.js';
import { moshiChatUrl } from '../providers/s2s/moshi.js';
import { LocalServer, type LocalServerOptions } from '../s2s/local-server.js';

/** What the supervisor needs of a server (a LocalServer; a stand-in in tests). */
export type SupervisedServer = Pick<LocalServer, 'ensureRunning' | 'stop' | 'logs' | 'running'>;

export interface LocalServerSupervisorOptions {
  /**
   * Asks the user, outside the renderer, to allow running a launch command. Without it, launch
   * commands are refused.
   */
  approveLaunch?: (command: string) => Promise<boolean>;
  /** Tells the user (the server starting, crashing, giving up). */
  notify: (message: string) => void;
  /** Builds the server; tests pass a stand-in. */
  createServer?: (options: LocalServerOptions) => SupervisedServer;
}

/**
 * The local model server Parley runs for a speech-to-speech provider (Moshi), one at a time: a
 * launch command runs only once the user allowed it outside the renderer (remembered per
 * command), and a new command or URL replaces the server that runs.
 */
export class LocalServerSupervisor {
  private server: { key: string; instance: SupervisedServer } | undefined;
  private readonly approved = new Set<string>();

  constructor(private readonly options: LocalServerSupervisorOptions) {}

  /** Before a speech-to-speech session connects: starts its local server if its settings name one. */
  async prepare(provider: { id: string; settings: Record<string, unknown> }): Promise<void> {
    const launch = provider.settings.launchCommand;
    if (provider.id !== 'moshi' || typeof launch !== 'string' || !launch.trim()) return;
    await this.approve(launch.trim());
    await this.serverFor(launch, String(provider.settings.baseUrl), Number(provider.settings.startTimeoutMs)).ensureRunning();
  }

  /** The server's recent output, for the UI (empty when Parley runs none). */
  logs(): { running: boolean; lines: string[] } {
    return { running: this.server?.instance.running ?? false, lines: this.server?.instance.logs() ?? [] };
  }

  /** Quit: a server Parley started is stopped. */
  async shutdown(): Promise<void> {
    await this.server?.instance.stop();
    this.server = undefined;
  }

  private async approve(command: string): Promise<void> {
    if (this.approved.has(command)) return;
    if (!this.options.approveLaunch) {
      throw new ParleyError('settings/invalid', 'Starting a local server needs your approval, which this mode cannot ask for: start the Moshi server yourself and set its URL (or run `parley serve --allow-launch`).', { provider: 'moshi' });
    }
    if (!(await this.options.approveLaunch(command))) throw new ParleyError('settings/invalid', `You did not allow Parley to run: ${command}`, { provider: 'moshi' });
    this.approved.add(command);
  }

  private serverFor(command: string, baseUrl: string, startTimeoutMs: number): SupervisedServer {
    const url = new URL(moshiChatUrl(baseUrl));
    const key = `${command}\n${url.host}`;
    if (this.server?.key !== key) {
      void this.server?.instance.stop();
      const create = this.options.createServer ?? ((o: LocalServerOptions) => new LocalServer(o));
      const instance = create({ command, host: url.hostname, port: Number(url.port || 80), startTimeoutMs, notify: this.options.notify });
      this.server = { key, instance };
    }
    return this.server.instance;
  }
}
