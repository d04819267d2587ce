import { toBase64Url } from '../../protocol/encoding.ts';

/** A URL-safe slug from free text, with a short random suffix so two "Acme"s never collide. */
export function slugFrom(text: string): string {
  const base = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 36)
    .replace(/-+$/g, '');
  const suffix = toBase64Url(crypto.getRandomValues(new Uint8Array(6)))
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 6)
    .padEnd(6, '0');
  return `${base || 'org'}-${suffix}`;
}
