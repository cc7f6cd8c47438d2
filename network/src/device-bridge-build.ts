/**
 * Modules of the device bridge's build (device-bridge/dist). The device bridge depends on this
 * workspace, so the modules are loaded from its build at run time, not imported.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './up';

const load = createRequire(__filename);

/** device-bridge/dist/<path> (e.g. 'simulator/model.js'), typed as the caller reads it. */
export const deviceBridgeModule = <T>(path: string): T => load(join(REPO_ROOT, 'device-bridge', 'dist', path)) as T;
