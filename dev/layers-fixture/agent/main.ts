// Deliberate violation: the agent imports the edge's kernel; the protocol is allowed.
import { kernel } from '../core/kernel.ts';
import { contract } from '../protocol/contract.ts';
export const main = [kernel, contract];
