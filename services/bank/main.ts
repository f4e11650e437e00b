import { runServiceProcess } from '../process';
import { bankSchema } from './ledger';
import { createBankServer } from './server';

await runServiceProcess({ service: 'bank', schema: bankSchema, createServer: createBankServer }, process.argv.slice(2));
