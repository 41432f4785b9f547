import { loadConfig } from '../config/env';
import { ensureFerretdb } from './ferretdb';

/** `npx tsx server/src/db/installFerretdb.ts`: build the FerretDB engine ahead of first use (CI does this). */
const config = loadConfig();
const binary = ensureFerretdb(config.cacheDir, (msg) => console.log(`[ferretdb] ${msg}`));
console.log(`[ferretdb] ready: ${binary}`);
