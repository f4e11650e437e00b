import { runServiceProcess } from '../process';
import { storeSchema } from './schema';
import { createStoreServer } from './server';

await runServiceProcess({ service: 'store', schema: storeSchema, createServer: createStoreServer }, process.argv.slice(2));
