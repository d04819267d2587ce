// The OpenAPI document as outside tools read it: every schema compiles in a standard JSON Schema validator (ajv,
// draft 2020-12 as OpenAPI 3.1 uses, patterns as ECMA-262 with the u flag) and every operation's sample request
// (request-samples.ts) validates against it.
//
// This runs in Node, not workerd: ajv compiles validators with `new Function`, which workerd forbids. The document
// comes from the same app the Worker serves, fetched at /v1/openapi.json through app.request(): the routes load
// without the Workers runtime, so no wrangler process (seconds to start) is needed for a document that is pure
// route metadata.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { registerSchema } from '../schemas/auth.ts';
import { createOrganizationSchema, updateOrganizationSchema } from '../schemas/organizations.ts';
import { createProjectSchema, updateProjectSchema } from '../schemas/projects.ts';
import { REQUEST_SAMPLES } from './request-samples.ts';
import { servedDocument } from './served-document.ts';


interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: object;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

const doc = JSON.parse(await servedDocument()) as Document;

const DOC_ID = 'https://orochi.invalid/v1/openapi.json';
// Formats stay annotations, as JSON Schema 2020-12 defines them by default; the API trims and lower-cases an
// email before checking it, so asserting `format: email` on the raw value would refuse what the API accepts.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, validateFormats: false });
// OpenAPI's own Schema Object keyword; strict mode refuses every other unknown keyword.
ajv.addKeyword('example');
// The whole document is the root that `#/components/...` references resolve in; its top-level fields (paths,
// info ...) are not schema keywords, so they are declared as inert ones.
for (const field of Object.keys(doc)) ajv.addKeyword(field);
ajv.addSchema(doc, DOC_ID);

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
/** A validator for the schema at a place in the document, its $refs resolved against the document itself. */
const validatorAt = (...parts: string[]) => ajv.compile({ $ref: `${DOC_ID}#/${pointer(...parts)}` });

function problems(validate: ReturnType<typeof validatorAt>, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(value)'} ${e.message}`);
}

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation })),
);

describe('the OpenAPI document', () => {
  it('has a sample request for every operation, and no sample for an operation it lacks', () => {
    expect(operations.length).toBeGreaterThan(40);
    const keys = operations.map((o) => o.key);
    expect(keys.filter((k) => !(k in REQUEST_SAMPLES)), 'operations without a sample in request-samples.ts').toEqual([]);
    expect(Object.keys(REQUEST_SAMPLES).filter((k) => !keys.includes(k)), 'samples of operations not in the document').toEqual([]);
  });

  it('compiles every pattern as ECMA-262 with the u flag, as ajv reads them, and publishes no regex flags', () => {
    const patterns = new Set<string>();
    JSON.stringify(doc, (key, value) => {
      if (key === 'pattern' && typeof value === 'string') patterns.add(value);
      return value;
    });
    expect(patterns.size).toBeGreaterThan(3);
    for (const pattern of patterns) {
      expect(() => ajv.compile({ type: 'string', pattern }), pattern).not.toThrow();
      // zod-to-openapi writes a regex's flags after its source ("^...$/u"): a pattern no value can match.
      expect(pattern, 'a zod regex with flags').not.toMatch(/\/[dgimsuvy]+$/);
    }
  });

  it('compiles every schema in it: components, parameters, request and response bodies', () => {
    for (const name of Object.keys(doc.components.schemas)) validatorAt('components', 'schemas', name);
    for (const { path, method, operation } of operations) {
      operation.parameters?.forEach((_, i) => validatorAt('paths', path, method, 'parameters', String(i), 'schema'));
      for (const type of Object.keys(operation.requestBody?.content ?? {})) {
        validatorAt('paths', path, method, 'requestBody', 'content', type, 'schema');
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.schema) validatorAt('paths', path, method, 'responses', status, 'content', type, 'schema');
        }
      }
    }
  });

  for (const { key, path, method, operation } of operations) {
    it(`accepts the sample request of ${key}`, () => {
      const sample = REQUEST_SAMPLES[key];
      if (!sample) return; // reported by the test of missing samples
      const found: string[] = [];
      const parameters = operation.parameters ?? [];
      for (const [i, parameter] of parameters.entries()) {
        if (parameter.in !== 'path' && parameter.in !== 'query') throw new Error(`${key}: samples do not cover ${parameter.in} parameters yet`);
        const value = sample[parameter.in]?.[parameter.name];
        if (value === undefined) {
          if (parameter.required) found.push(`the required ${parameter.in} parameter ${parameter.name} is missing`);
          continue;
        }
        const validate = validatorAt('paths', path, method, 'parameters', String(i), 'schema');
        found.push(...problems(validate, value).map((p) => `${parameter.in} parameter ${parameter.name}: ${p}`));
      }
      for (const where of ['path', 'query'] as const) {
        for (const name of Object.keys(sample[where] ?? {})) {
          if (!parameters.some((p) => p.in === where && p.name === name)) found.push(`${where} parameter ${name} is not in the document`);
        }
      }
      const body = operation.requestBody;
      if (!body) {
        if (sample.body !== undefined) found.push('the sample has a body but the operation takes none');
      } else {
        expect(Object.keys(body.content), `${key} takes a JSON body`).toContain('application/json');
        if (sample.body === undefined) {
          if (body.required) found.push('the required body is missing');
        } else {
          const validate = validatorAt('paths', path, method, 'requestBody', 'content', 'application/json', 'schema');
          found.push(...problems(validate, sample.body).map((p) => `body ${p}`));
        }
      }
      expect(found).toEqual([]);
    });
  }

  describe("names people give resources ({name: 'Ada'}) against the document and the API", () => {
    const named = [
      { schema: 'Register', zod: registerSchema, field: 'name', base: { email: 'ada@example.com', password: 'correct horse battery staple' } },
      { schema: 'Register', zod: registerSchema, field: 'org_name', base: { email: 'ada@example.com', password: 'correct horse battery staple' } },
      { schema: 'CreateOrganization', zod: createOrganizationSchema, field: 'name', base: {} },
      { schema: 'UpdateOrganization', zod: updateOrganizationSchema, field: 'name', base: {} },
      { schema: 'CreateProject', zod: createProjectSchema, field: 'name', base: {} },
      { schema: 'UpdateProject', zod: updateProjectSchema, field: 'name', base: {} },
    ];
    // Trimming removes whitespace (tabs and line breaks too) at either end before the check, so those are fine
    // as sent; a control character anywhere else is refused.
    const accepted = ['Ada', 'Ada Lovelace', "Ada's lab (Zürich) 🚀", '  Ada  ', 'Ada\n', '\t Ada\r\n'];
    const refused = ['Ada\u0000', 'Ada\nLovelace', 'Ada\u007f', '\u0085Ada', 'Ada\u001f '];

    for (const { schema, zod, field, base } of named) {
      it(`${schema}.${field}`, () => {
        const validate = validatorAt('components', 'schemas', schema);
        for (const name of accepted) {
          const body = { ...base, [field]: name };
          expect(zod.safeParse(body).success, `the API accepts ${JSON.stringify(body)}`).toBe(true);
          expect(problems(validate, body), `the document accepts ${JSON.stringify(body)}`).toEqual([]);
        }
        for (const name of refused) {
          const body = { ...base, [field]: name };
          expect(zod.safeParse(body).success, `the API refuses ${JSON.stringify(body)}`).toBe(false);
          expect(validate(body), `the document refuses ${JSON.stringify(body)}`).toBe(false);
        }
      });
    }
  });
});
