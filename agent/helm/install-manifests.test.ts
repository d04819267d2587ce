// The agent's install manifests (core/regions/install-manifests.ts) are valid Kubernetes objects, and the Helm
// chart beside this file renders the same names, RBAC rules and probes. The chart's templates are read as text:
// the parts compared are kept free of templating, apart from the data-dir include substituted below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, PersistentVolumeClaim, Secret, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };
import {
  AGENT_CLUSTER_ROLE_RULES,
  AGENT_DATA_CLAIM,
  AGENT_DATA_DIR,
  AGENT_IMAGE_REPOSITORY,
  AGENT_NAME,
  AGENT_PROBES,
  AGENT_REGISTRATION_SECRET,
  IMAGE_REFERENCE,
  agentInstallManifests,
  defaultAgentImage,
  toYamlStream,
} from '../../core/regions/install-manifests.ts';
import { parseCommandLine } from '../cli-options.ts';

const chartDir = join(import.meta.dirname, 'orochi-agent');
const chartFile = (path: string) => readFileSync(join(chartDir, path), 'utf8');

const manifests = agentInstallManifests({
  url: 'https://api.orochi.example.com',
  registrationToken: 'ort_test-token',
  image: defaultAgentImage(packageJson.version),
  regionId: 'rg_01jd3k5x8r2m9q7v4w6y0z1a2b',
});

const models: Record<string, new (data: any) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  ClusterRole,
  ClusterRoleBinding,
  Secret,
  PersistentVolumeClaim,
  Deployment,
};

/** The block under `key:` (to the next line indented as little as the key), dedented and parsed. */
function yamlBlock(template: string, key: string): unknown {
  const lines = template.replaceAll('{{ include "orochi-agent.dataDir" . }}', AGENT_DATA_DIR).split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith(`${key}:`));
  if (start < 0) throw new Error(`no ${key}: block`);
  const indent = lines[start]!.search(/\S/);
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.search(/\S/) > indent)) end += 1;
  const block = lines.slice(start, end).map((line) => line.slice(indent)).join('\n');
  expect(block).not.toContain('{{');
  return (parse(block) as Record<string, unknown>)[key];
}

describe('agent install manifests', () => {
  it('are valid Kubernetes objects', () => {
    expect(manifests.map((object) => object.kind)).toEqual(Object.keys(models));
    for (const object of manifests) {
      const Model = models[object.kind]!;
      expect(() => new Model(object).validate(), object.kind).not.toThrow();
    }
  });

  it('survive the trip through YAML unchanged', () => {
    const parsed = parseAllDocuments(toYamlStream(manifests)).map((document) => document.toJS());
    expect(parsed).toEqual(manifests);
  });

  it('run the agent locked down: non-root, read-only root, no privilege escalation, bounded resources', () => {
    const pod = (manifests.at(-1)!.spec as any).template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
  });

  it('accept image references and refuse anything else', () => {
    for (const good of ['agent', 'ghcr.io/orochi-cloud/agent:0.1.0', 'localhost:5000/a/b', `agent@sha256:${'a'.repeat(64)}`]) {
      expect(IMAGE_REFERENCE.test(good), good).toBe(true);
    }
    for (const bad of ['', 'Agent', 'agent:', 'a b', 'agent:1;rm', '-agent', 'agent@sha256:short']) {
      expect(IMAGE_REFERENCE.test(bad), bad).toBe(false);
    }
  });
});

describe('the Helm chart', () => {
  it('grants exactly the ClusterRole rules of the install manifests', () => {
    expect(yamlBlock(chartFile('templates/clusterrole.yaml'), 'rules')).toEqual(AGENT_CLUSTER_ROLE_RULES);
  });

  it('probes the agent the same way', () => {
    const deployment = chartFile('templates/deployment.yaml');
    expect(yamlBlock(deployment, 'readinessProbe')).toEqual(AGENT_PROBES.readinessProbe);
    expect(yamlBlock(deployment, 'livenessProbe')).toEqual(AGENT_PROBES.livenessProbe);
  });

  it('uses the same names, data directory and image, at the release version', () => {
    const helpers = chartFile('templates/_helpers.tpl');
    expect(helpers).toContain(`define "orochi-agent.name" -}}${AGENT_NAME}{{`);
    expect(helpers).toContain(`{{- else -}}${AGENT_REGISTRATION_SECRET}{{- end -}}`);
    expect(helpers).toContain(`define "orochi-agent.dataClaim" -}}${AGENT_DATA_CLAIM}{{`);
    expect(helpers).toContain(`define "orochi-agent.dataDir" -}}${AGENT_DATA_DIR}{{`);
    const values = parse(chartFile('values.yaml'));
    expect(values.image.repository).toBe(AGENT_IMAGE_REPOSITORY);
    expect(values.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    const chart = parse(chartFile('Chart.yaml'));
    expect([chart.version, chart.appVersion]).toEqual([packageJson.version, packageJson.version]);
  });

  it("sets the object store's environment only when asked, under the names the agent reads", () => {
    const values = parse(chartFile('values.yaml'));
    expect(values.backups).toEqual({ credentialsSecret: '', endpoint: '', podEndpoint: '', bucket: '', prefix: '', region: '' });
    expect(values.extraEnv).toEqual([]);
    const deployment = chartFile('templates/deployment.yaml');
    // Every variable the chart sets from backups.*, each behind an `if` of its value, with what it is set to.
    const env: Record<string, string> = {};
    const sample: Record<string, string> = {
      credentialsSecret: 'backup-s3',
      endpoint: 'http://minio.orochi-system:9000',
      podEndpoint: 'http://minio.storage.svc:9000',
      bucket: 'region-backups',
      prefix: 'eu-1/',
      region: 'eu-central-1',
    };
    for (const [, name, key] of deployment.matchAll(/- name: (OROCHI_\w+)\n\s+value: [^\n]*\.Values\.backups\.(\w+)/g)) {
      expect(deployment).toContain(`{{- if .Values.backups.${key} }}\n            - name: ${name}`);
      env[name!] = name === 'OROCHI_K8S_BACKUP_SECRET' ? `orochi-system/${sample[key!]}` : sample[key!]!;
    }
    const fromSecret = [...deployment.matchAll(/- name: (OROCHI_\w+)\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: \{\{ \.Values\.backups\.credentialsSecret \}\}\n\s+key: (\w+)/g)];
    expect(fromSecret.map(([, name, key]) => [name, key])).toEqual([
      ['OROCHI_S3_ACCESS_KEY_ID', 'ACCESS_KEY_ID'],
      ['OROCHI_S3_SECRET_ACCESS_KEY', 'ACCESS_SECRET_KEY'],
    ]);
    for (const [, name, key] of fromSecret) env[name!] = `${key}-value`;
    expect(Object.keys(env).sort()).toEqual([
      'OROCHI_K8S_BACKUP_ENDPOINT',
      'OROCHI_K8S_BACKUP_SECRET',
      'OROCHI_S3_ACCESS_KEY_ID',
      'OROCHI_S3_BUCKET',
      'OROCHI_S3_ENDPOINT',
      'OROCHI_S3_PREFIX',
      'OROCHI_S3_REGION',
      'OROCHI_S3_SECRET_ACCESS_KEY',
    ]);
    const parsed = parseCommandLine(['--driver', 'kubernetes'], { ...env, OROCHI_URL: 'https://api.orochi.example.com' });
    if (parsed === 'help') throw new Error('help');
    expect(parsed.kubernetes?.render?.backupStore).toEqual({
      endpointURL: sample.podEndpoint,
      bucket: sample.bucket,
      prefix: sample.prefix,
      region: sample.region,
      credentialsSecret: { namespace: 'orochi-system', name: sample.credentialsSecret },
    });
    expect(parsed.objectStore).toMatchObject({ endpoint: sample.endpoint, bucket: sample.bucket, prefix: sample.prefix, region: sample.region, accessKeyId: 'ACCESS_KEY_ID-value' });
  });
});
