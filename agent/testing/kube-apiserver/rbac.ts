// The stand-in's RBAC, when a test gives it the rules of the one ClusterRole its token is bound to: every request
// is authorized as the real API server's RBAC authorizer does it, from the request's attributes (verb, API group,
// resource with its subresource, namespace), and refused with a 403 Forbidden Status naming them. Discovery paths are
// open to every authenticated client (system:discovery). Not implemented: resourceNames, nonResourceURLs other than
// discovery, aggregated roles, more than one binding.
import { ApiError } from './store.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface RequestAttributes {
  verb: string;
  group: string;
  /** `pods`, or with its subresource `pods/log`. */
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
}

/** A resource request's attributes from its method and path; null for discovery (and paths that are no resource). */
export function requestAttributes(method: string, url: URL): RequestAttributes | null {
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1]!;
    rest = segments.slice(3);
  } else return null;
  if (rest.length === 0) return null;
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [namespace, plural, name, subresource] = namespaced ? [rest[1], rest[2], rest[3], rest[4]] : [undefined, rest[0], rest[1], rest[2]];
  const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
  const verb = method === 'GET' ? (watch ? 'watch' : name === undefined ? 'list' : 'get') : method === 'POST' ? 'create' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : method.toLowerCase();
  return { verb, group, resource: subresource ? `${plural}/${subresource}` : plural!, namespace, name };
}

/** Throws the API server's 403 unless a rule grants the request. */
export function authorize(rules: readonly PolicyRule[], user: string, attributes: RequestAttributes): void {
  const { verb, group, resource, namespace, name } = attributes;
  if (rules.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb))) return;
  const [plural, subresource] = resource.split('/');
  const object = `${plural}${group ? `.${group}` : ''}${name === undefined ? '' : ` "${name}"`}`;
  const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  throw new ApiError(403, 'Forbidden', `${object} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`, {
    ...(name === undefined ? {} : { name }),
    group,
    kind: subresource ? resource : plural!,
  });
}
