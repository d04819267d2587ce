#!/usr/bin/env node
// The `orochi` executable: the CLI is TypeScript, run through tsx's loader, as the rest of the repository is.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
