// The one WebSocket upgrade check, for the Worker's routes and the Durable Objects they forward upgrades to.

export function isWebSocketUpgrade(headers: Headers): boolean {
  return headers.get('upgrade')?.toLowerCase() === 'websocket';
}
