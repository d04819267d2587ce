// Every statement the agent itself sends on a cluster's connections (session setup and reset, type lookups, schema
// and insights reads) starts with this comment. pg_stat_statements keeps a statement's leading comment in its text,
// so query insights can leave the agent's own statements out and show only the user's.
export const AGENT_MARK = '/* orochi-agent */';

export function agentSql(text: string): string {
  return `${AGENT_MARK} ${text}`;
}
