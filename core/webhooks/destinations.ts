// The SSRF guard: where a webhook may be sent. In production an endpoint must be https and must not name a
// loopback, private (RFC 1918, ULA, CGNAT), link-local (cloud metadata 169.254.169.254 among them), unspecified,
// multicast or reserved address, nor a `localhost` name; checked at creation and again before every attempt, and
// redirects are never followed. Limit: a public hostname is not resolved first (Workers has no DNS API), so a name
// whose DNS answer is private is only as safe as the Workers runtime's own refusal of private destinations.
// Outside production (a local stack, the tests) private destinations are allowed, so a receiver on 127.0.0.1 works.

/** Why `url` may not receive webhooks, or null when it may. */
export function refusedDestination(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The URL is not valid';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'The URL must be http or https';
  if (parsed.username || parsed.password) return 'The URL must not carry credentials';
  if (allowPrivate) return null;
  if (parsed.protocol !== 'https:') return 'The URL must be https';
  // WHATWG URL parsing has already turned decimal, octal and hex IPv4 forms into dotted quads, and IPv6 into its
  // compressed form in brackets.
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'The URL must not point at this machine';
  const v4 = parseIpv4(host);
  if (v4 !== null) return privateIpv4(v4) ? 'The URL must not point at a private, loopback or link-local address' : null;
  if (host.startsWith('[')) {
    const v6 = parseIpv6(host.slice(1, -1));
    if (!v6 || privateIpv6(v6)) return 'The URL must not point at a private, loopback or link-local address';
  }
  return null;
}

function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const v4Blocks: Array<[string, number]> = [
  ['0.0.0.0', 8], // unspecified, "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

function privateIpv4(address: number): boolean {
  return v4Blocks.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = parseIpv4(base)!;
    return address >= start && address < start + size;
  });
}

/** Eight 16-bit groups, or null. Only the forms URL parsing produces (compressed hex, no zone, no dotted tail). */
function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...tail];
  return all.length === 8 && all.every((g) => Number.isInteger(g)) ? all : null;
}

function privateIpv6(g: number[]): boolean {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(7) && (g[7] === 0 || g[7] === 1)) return true; // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): judged by the IPv4 address they carry.
  if ((zeroUpTo(5) && g[5] === 0xffff) || (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))) {
    return privateIpv4(g[6]! * 65536 + g[7]!);
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g[0]! & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0]! & 0xff00) === 0xff00) return true; // multicast ff00::/8
  return false;
}
