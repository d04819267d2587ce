// The agent's version, reported in `hello` and at registration: the repository's package version, so a
// release of the control plane and its agent carry one number.
import packageJson from '../package.json' with { type: 'json' };

export const AGENT_VERSION: string = packageJson.version;
