// Deliberate violation: the protocol imports the kernel.
import { kernel } from '../core/kernel.ts';
export const contract = kernel;
