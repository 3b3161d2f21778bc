/** Small builders for the OpenAPI fragments (json-api/openapi.ts and the documents it merges in). */

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
/** A 200 with `schema`, and the shared error shape for everything else. */
export const ok = (schema: object, description = 'OK') => ({ '200': { description, ...json(schema) }, default: { description: 'Error', ...json(ref('Error')) } });
export const op = (summary: string, responses: object, extra: object = {}) => ({ summary, responses, ...extra });
export const body = (schema: object) => ({ requestBody: { required: true, ...json(schema) } });
export const obj = (properties: object, required: string[] = []) => ({ type: 'object', properties, ...(required.length ? { required } : {}) });
export const int = { type: 'integer' };
export const str = { type: 'string' };
