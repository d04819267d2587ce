// Deliberate violation: the CLI imports the kernel; the protocol is allowed.
import { kernel } from '../core/kernel.ts';
import { contract } from '../protocol/contract.ts';
export const main = [kernel, contract];
